/**
 * The terminal helper: a short Python 3 program the engine writes under <root>/run and runs
 * for the two things Node cannot do itself (engine/runtime/README.md, "Interactive terminals"):
 *
 * - `attach DIR [close-stdin]`: connect to conmon's attach socket DIR/attach, a SOCK_SEQPACKET
 *   socket (Node has no SEQPACKET). Conmon sends each output chunk as one packet whose first
 *   byte names the stream (2 stdout, 3 stderr); what it receives goes to the container's stdin.
 *   We relay stdin → socket and packets → fd 1 / fd 2 without the byte. With `close-stdin`, our
 *   stdin's end shuts the socket's write side, which makes conmon close the container's stdin.
 * - `exec SOCKET ARGV...`: listen on SOCKET, run `ARGV` (a `runtime exec --tty --console-socket
 *   SOCKET ...`), receive the pty master over SCM_RIGHTS (Node cannot receive fds), then relay
 *   stdin → master and master → fd 1; exits with the runtime's exit code.
 *
 * fd 3 is a control channel (a socketpair from Node): we write "ready\n" once attached (so a
 * start can follow without losing output); Node writes "R C\n" lines to resize the exec pty.
 */
import fs from 'node:fs/promises';
import fss from 'node:fs';
import path from 'node:path';

export const TTY_HELPER_PY = String.raw`# written by berth: the terminal helper (see engine/runtime/ttyhelper.ts)
import errno, fcntl, os, select, signal, socket, struct, sys, termios, time

CTL = 3

def ctl_write(s):
    try:
        os.write(CTL, s.encode())
    except OSError:
        pass

def write_all(fd, data):
    while data:
        try:
            n = os.write(fd, data)
        except BlockingIOError:
            select.select([], [fd], [], 1)
            continue
        data = data[n:]

def attach(d, close_stdin):
    dfd = os.open(d, os.O_PATH)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.connect('/proc/self/fd/%d/attach' % dfd)
    os.close(dfd)
    ctl_write('ready\n')
    rd = [0, s]
    while True:
        r, _, _ = select.select(rd, [], [])
        if s in r:
            b = s.recv(65536)
            if not b:
                return 0
            if b[0] == 3:
                write_all(2, b[1:])
            else:
                write_all(1, b[1:])
        if 0 in r:
            b = os.read(0, 8000)
            if not b:
                rd.remove(0)
                if close_stdin:
                    s.shutdown(socket.SHUT_WR)
            else:
                s.sendall(b)

def winsize(fd, line):
    try:
        rows, cols = [int(x) for x in line.split()[:2]]
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack('HHHH', rows, cols, 0, 0))
    except (ValueError, OSError):
        pass

def status_code(st):
    if os.WIFEXITED(st):
        return os.WEXITSTATUS(st)
    return 128 + os.WTERMSIG(st)

def exec_tty(sock_path, argv):
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old = os.umask(0o077)
    srv.bind(sock_path)
    os.umask(old)
    srv.listen(1)
    devnull = os.open('/dev/null', os.O_RDWR)
    pid = os.fork()
    if pid == 0:
        os.dup2(devnull, 0)
        os.dup2(2, 1)
        os.execvp(argv[0], argv)
    master = None
    code = None
    while master is None:
        r, _, _ = select.select([srv], [], [], 0.1)
        if r:
            conn, _ = srv.accept()
            _, fds, _, _ = socket.recv_fds(conn, 4096, 1)
            conn.close()
            master = fds[0]
        else:
            p, st = os.waitpid(pid, os.WNOHANG)
            if p:
                os.unlink(sock_path)
                return status_code(st)
    srv.close()
    os.unlink(sock_path)
    ctl_write('ready\n')
    os.set_blocking(master, False)
    rd = [0, master, CTL]
    pending = b''
    ctl_buf = b''
    while True:
        wr = [master] if pending else []
        r, w, _ = select.select(rd, wr, [], 0.1)
        if master in w and pending:
            try:
                n = os.write(master, pending)
                pending = pending[n:]
            except BlockingIOError:
                pass
        if master in r:
            try:
                b = os.read(master, 65536)
            except OSError as e:
                if e.errno != errno.EIO:
                    raise
                b = b''
            if not b:
                rd.remove(master)
            else:
                write_all(1, b)
        if 0 in r:
            b = os.read(0, 8000)
            if not b:
                rd.remove(0)
            else:
                pending += b
        if CTL in r:
            b = os.read(CTL, 4096)
            if not b:
                rd.remove(CTL)
            ctl_buf += b
            while b'\n' in ctl_buf:
                line, ctl_buf = ctl_buf.split(b'\n', 1)
                winsize(master, line.decode())
        if code is None:
            p, st = os.waitpid(pid, os.WNOHANG)
            if p:
                code = status_code(st)
                deadline = time.time() + 0.5
        if code is not None and (master not in rd or time.time() > deadline):
            return code

def main():
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    mode = sys.argv[1]
    if mode == 'attach':
        sys.exit(attach(sys.argv[2], len(sys.argv) > 3 and sys.argv[3] == 'close-stdin'))
    if mode == 'exec':
        sys.exit(exec_tty(sys.argv[2], sys.argv[3:]))
    sys.exit('unknown mode ' + mode)

main()
`;

/** Where the engine finds Python 3: BERTH_PYTHON, Debian's /usr/bin/python3, or PATH. */
export function findPython(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.BERTH_PYTHON) return env.BERTH_PYTHON;
  if (fss.existsSync('/usr/bin/python3')) return '/usr/bin/python3';
  for (const d of (env.PATH ?? '').split(':')) {
    const p = path.join(d || '.', 'python3');
    if (fss.existsSync(p)) return p;
  }
  return undefined;
}

/** Writes the helper under the run dir (when changed) and returns its path. */
export async function writeTtyHelper(runDir: string): Promise<string> {
  const file = path.join(runDir, 'tty-helper.py');
  const old = await fs.readFile(file, 'utf8').catch(() => '');
  if (old !== TTY_HELPER_PY) {
    const tmp = `${file}.tmp-${process.pid}`;
    await fs.writeFile(tmp, TTY_HELPER_PY, { mode: 0o600 });
    await fs.rename(tmp, file);
  }
  return file;
}
