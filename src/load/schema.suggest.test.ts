import { describe, expect, test } from 'vitest';
import { editDistance, suggest } from './suggest.js';

describe('editDistance', () => {
  test.each([
    ['', '', 0],
    ['image', 'image', 0],
    ['imagee', 'image', 1],
    ['imgae', 'image', 1], // one transposition, not two substitutions
    ['kitten', 'sitting', 3],
    ['', 'abc', 3],
    ['ports', '', 5],
  ])('%s → %s = %i', (a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
    expect(editDistance(b, a)).toBe(d);
  });
});

describe('suggest', () => {
  const service = ['image', 'build', 'ports', 'environment', 'env_file', 'depends_on', 'healthcheck', 'restart', 'tty'];

  test.each([
    ['imagee', 'image'],
    ['imgae', 'image'],
    ['port', 'ports'],
    ['enviroment', 'environment'],
    ['depends-on', 'depends_on'],
    ['dependson', 'depends_on'],
    ['healtcheck', 'healthcheck'],
    ['restrat', 'restart'],
    ['Image', 'image'],
    ['TTY', 'tty'],
  ])('%s → %s', (word, want) => {
    expect(suggest(word, service)).toBe(want);
  });

  test.each(['frobnicate', 'x', 'ab', 'command', 'volumes'])('%s has no close match', (word) => {
    expect(suggest(word, service)).toBeUndefined();
  });

  test('a short word needs a closer match than a long one', () => {
    expect(suggest('tt', ['tty'])).toBeUndefined();
    expect(suggest('ttyy', ['tty'])).toBe('tty');
  });

  test('ties go to the alphabetically first candidate', () => {
    expect(suggest('cat', ['cut', 'bat'])).toBe('bat');
    expect(suggest('cat', ['bat', 'cut'])).toBe('bat');
  });

  test('the word itself is not a suggestion', () => {
    expect(suggest('image', ['image'])).toBeUndefined();
  });
});
