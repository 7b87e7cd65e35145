/**
 * cgroups for containers, v1 and v2.
 *
 * The OCI runtime creates the container's cgroup and writes its limits from the spec
 * (`linux.resources`); this module knows where those cgroups live, reads stats and OOM
 * counters from them, writes limits live (update), and removes berth's parent cgroup
 * (`berth-<rootId>`) once it is empty, in every hierarchy: runc leaves the parents behind,
 * and on a hybrid host it also creates one under the cgroup2 mount.
 *
 * Every function takes the mount root (default /sys/fs/cgroup) so that v2 can be proven by
 * tests against a folder laid out like a cgroup2 mount, on hosts that are v1.
 */
export * from './detect.js';
export * from './limits.js';
export * from './stats.js';
export * from './tree.js';
