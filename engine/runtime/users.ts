/**
 * User and group resolution against the container's own /etc/passwd and /etc/group (the
 * image's names, not the host's), as Docker does for `USER name[:group]`.
 */
import { EngineError } from '../api/types.js';

export interface ResolvedUser {
  uid: number;
  gid: number;
  additionalGids: number[];
  /** The passwd home, used for HOME when the environment has none. */
  home: string;
}

interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

export function parsePasswd(text: string | undefined): PasswdEntry[] {
  const out: PasswdEntry[] = [];
  for (const line of (text ?? '').split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const f = line.split(':');
    if (f.length < 4) continue;
    out.push({ name: f[0]!, uid: Number(f[2]), gid: Number(f[3]), home: f[5] || '/' });
  }
  return out;
}

export function parseGroup(text: string | undefined): GroupEntry[] {
  const out: GroupEntry[] = [];
  for (const line of (text ?? '').split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const f = line.split(':');
    if (f.length < 3) continue;
    out.push({ name: f[0]!, gid: Number(f[2]), members: (f[3] ?? '').split(',').filter(Boolean) });
  }
  return out;
}

const isNum = (s: string) => /^\d+$/.test(s);

/**
 * "", "name", "uid", "name:group", "uid:gid"... A numeric user missing from passwd is fine
 * (gid defaults to 0... or to the passwd entry's gid); a missing name is an error.
 */
export function resolveUser(spec: string | undefined, passwdText: string | undefined, groupText: string | undefined, groupAdd: string[] = []): ResolvedUser {
  const passwd = parsePasswd(passwdText);
  const groups = parseGroup(groupText);
  const [userPart = '', groupPart] = (spec ?? '').split(':', 2);
  let entry: PasswdEntry | undefined;
  let uid = 0;
  if (userPart === '') {
    entry = passwd.find((p) => p.uid === 0);
  } else if (isNum(userPart)) {
    uid = Number(userPart);
    entry = passwd.find((p) => p.uid === uid);
  } else {
    entry = passwd.find((p) => p.name === userPart);
    if (!entry) throw new EngineError('INVALID', `unable to find user ${userPart}: no matching entries in passwd file`);
  }
  if (entry) uid = entry.uid;
  let gid = entry?.gid ?? 0;
  if (groupPart !== undefined && groupPart !== '') {
    if (isNum(groupPart)) gid = Number(groupPart);
    else {
      const g = groups.find((x) => x.name === groupPart);
      if (!g) throw new EngineError('INVALID', `unable to find group ${groupPart}: no matching entries in group file`);
      gid = g.gid;
    }
  }
  const extra = new Set<number>();
  // Supplementary groups from /etc/group only when the user was named without a group, as Docker does.
  if (entry && groupPart === undefined) for (const g of groups) if (g.members.includes(entry.name) && g.gid !== gid) extra.add(g.gid);
  for (const g of groupAdd) {
    if (isNum(g)) extra.add(Number(g));
    else {
      const found = groups.find((x) => x.name === g);
      if (!found) throw new EngineError('INVALID', `unable to find group ${g}: no matching entries in group file`);
      extra.add(found.gid);
    }
  }
  return { uid, gid, additionalGids: [...extra].sort((a, b) => a - b), home: entry?.home ?? '/' };
}
