/**
 * berth's default seccomp profile: allow everything except a deny-list of syscalls that
 * reach into the host kernel's global state (modules, clocks, keyrings, reboot, mounts,
 * namespaces, tracing other processes...), which fail with EPERM as under Docker. The
 * syscalls a granted capability legitimately needs are let through (SYS_ADMIN → mount...).
 */
const DENY: { names: string[]; unlessCap?: string }[] = [
  { names: ['add_key', 'keyctl', 'request_key'] },
  { names: ['bpf', 'perf_event_open', 'lookup_dcookie', 'userfaultfd', 'kcmp'] },
  { names: ['create_module', 'delete_module', 'finit_module', 'init_module', 'get_kernel_syms', 'query_module'], unlessCap: 'SYS_MODULE' },
  { names: ['kexec_file_load', 'kexec_load', 'reboot'], unlessCap: 'SYS_BOOT' },
  { names: ['clock_adjtime', 'clock_settime', 'settimeofday', 'stime', 'adjtimex'], unlessCap: 'SYS_TIME' },
  { names: ['acct'], unlessCap: 'SYS_PACCT' },
  { names: ['ioperm', 'iopl'], unlessCap: 'SYS_RAWIO' },
  { names: ['ptrace', 'process_vm_readv', 'process_vm_writev'], unlessCap: 'SYS_PTRACE' },
  {
    names: ['mount', 'umount', 'umount2', 'pivot_root', 'unshare', 'setns', 'swapon', 'swapoff', 'quotactl', 'open_by_handle_at', 'fsopen', 'fsconfig', 'fsmount', 'fspick', 'move_mount', 'open_tree', 'sethostname', 'setdomainname', 'name_to_handle_at'],
    unlessCap: 'SYS_ADMIN',
  },
  { names: ['get_mempolicy', 'set_mempolicy', 'mbind', 'move_pages'], unlessCap: 'SYS_NICE' },
  { names: ['nfsservctl', 'uselib', 'ustat', 'sysfs', '_sysctl', 'vm86', 'vm86old'] },
];

export interface SeccompProfile {
  defaultAction: string;
  syscalls: { names: string[]; action: string; errnoRet: number }[];
}

export function defaultSeccomp(caps: string[]): SeccompProfile {
  const have = new Set(caps);
  const names = DENY.filter((d) => !d.unlessCap || !have.has(d.unlessCap)).flatMap((d) => d.names);
  // sethostname/setdomainname would be harmless in a private UTS namespace, but Docker also denies them without SYS_ADMIN.
  return { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: [...new Set(names)].sort(), action: 'SCMP_ACT_ERRNO', errnoRet: 1 }] };
}
