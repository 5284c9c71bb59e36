#!/usr/bin/env python3
"""Summarizes `perf script -F ip,sym` output (demangled) of ayaka-edge into where the time goes.

Usage: perf script -i perf.data -F ip,sym | swift demangle --simplified | profile_summary.py [Sources dir]

Prints: self time by category (kernel work by syscall family, Swift runtime costs, NIO, ayaka-edge), the
heaviest self symbols, and the inclusive share of ayaka-edge's own functions (type names read from Sources/).
"""
import collections
import re
import sys
from pathlib import Path


def read_samples(stream):
    samples, cur = [], []
    for line in stream:
        line = line.rstrip("\n")
        if not line.strip():
            if cur:
                samples.append(cur)
                cur = []
            continue
        parts = line.strip().split(None, 1)
        sym = parts[1] if len(parts) > 1 else "?"
        sym = re.sub(r"\+0x[0-9a-f]+$", "", sym)
        cur.append(sym)
    if cur:
        samples.append(cur)
    return samples


KERNEL_FAMILIES = [  # first match along the stack, leaf to root
    ("kernel: epoll_wait, sleeping and waking (scheduler)", ("do_epoll_wait", "__x64_sys_epoll_wait",
                                                             "schedule_hrtimeout", "__x64_sys_epoll_pwait")),
    ("kernel: preempted on the way back from a syscall (CPU shared with other processes)",
     ("exit_to_user_mode_loop",)),
    ("kernel: epoll_ctl (re-registering interest)", ("do_epoll_ctl", "__x64_sys_epoll_ctl")),
    ("kernel: socket writes (incl. loopback delivery to the peer)", ("tcp_sendmsg", "sock_write_iter",
                                                                    "__x64_sys_writev", "__x64_sys_write",
                                                                    "__x64_sys_sendmsg")),
    ("kernel: socket reads", ("tcp_recvmsg", "sock_read_iter", "__x64_sys_read", "__x64_sys_readv",
                              "__x64_sys_recvfrom", "__x64_sys_recvmsg")),
    ("kernel: accept/connect/close", ("__x64_sys_accept4", "__x64_sys_connect", "__x64_sys_close",
                                      "__x64_sys_shutdown")),
    ("kernel: timers (timerfd)", ("timerfd", "__x64_sys_timerfd_settime")),
]

USER_CATEGORIES = [
    ("Swift ARC: swift_retain / swift_release", ("swift_retain", "swift_release", "swift::RefCounts",
                                                "swift_bridgeObjectRetain", "swift_bridgeObjectRelease",
                                                "swift_unknownObjectRetain", "swift_unknownObjectRelease",
                                                "_swift_release_dealloc", "swift_isUniquelyReferenced")),
    ("malloc / free (incl. swift_allocObject)", ("malloc", "_int_malloc", "_int_free", "free", "cfree",
                                                 "swift_allocObject", "swift_slowAlloc", "swift_slowDealloc",
                                                 "swift_deallocClassInstance", "swift_deallocObject",
                                                 "malloc_consolidate", "tcache", "__libc_malloc", "__libc_free")),
    ("Swift exclusivity checks (swift_beginAccess)", ("swift_beginAccess", "swift::runtime::AccessSet",
                                                      "swift_endAccess")),
    ("Swift generic metadata / dynamic casts (NIOAny)", ("_swift_getGenericMetadata", "getCache",
                                                          "swift::StableAddress", "swift::ConcurrentReadable",
                                                          "swift::LockingConcurrentMap", "swift_getWitnessTable",
                                                          "swift_getGenericMetadata", "tryCast", "swift_dynamicCast",
                                                          "swift_conformsToProtocol", "__swift_instantiate",
                                                          "swift_getAssociated", "__tls_get_addr",
                                                          "swift_checkMetadataState")),
    ("HTTP parsing (llhttp)", ("c_nio_llhttp",)),
    ("memcpy / memmove", ("__memmove", "__memcpy", "memcpy", "memmove")),
    ("String building / validation", ("String", "_StringGuts", "_StringObject", "__StringStorage",
                                      "_allocateStringStorage", "Substring", "Character")),
]


def main():
    sources = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[2] / "Sources"
    own = set()
    for module in ["EdgeProxy", "EdgeCore", "EdgeMetrics"]:
        for f in (sources / module).rglob("*.swift"):
            for m in re.finditer(r"^\s*(?:public |package |internal |private |fileprivate |final )*"
                                 r"(?:struct|class|enum|actor|protocol|extension)\s+([A-Z][A-Za-z0-9_]*)",
                                 f.read_text(), re.M):
                own.add(m.group(1))
    own_re = re.compile(r"\b(" + "|".join(sorted(own, key=len, reverse=True)) + r")\.") if own else None

    samples = read_samples(sys.stdin)
    n = len(samples)
    if not n:
        print("no samples")
        return
    pct = lambda c: 100.0 * c / n  # noqa: E731
    kernel = lambda s: s.startswith(("__x64_", "do_", "tcp_", "sock_", "ip_", "__", "entry_", "syscall_")) \
        or "_kernel" in s  # noqa: E731

    cats = collections.Counter()
    self_syms = collections.Counter()
    incl = collections.Counter()
    for s in samples:
        leaf = s[0]
        self_syms[leaf] += 1
        for sym in set(s):
            incl[sym] += 1
        family = None
        # kernel frames come first in the stack when the sample is in the kernel
        in_kernel = any(f in ("entry_SYSCALL_64_after_hwframe", "do_syscall_64") for f in s) and \
            not any(f.startswith(("swift_", "ClientProxyHandler", "c_nio_llhttp")) for f in s[:1])
        if in_kernel:
            for name, keys in KERNEL_FAMILIES:
                if any(f.startswith(keys) or any(k in f for k in keys) for f in s[:40]):
                    family = name
                    break
            cats[family or "kernel: other syscalls"] += 1
            continue
        if leaf.startswith(("irqentry", "asm_", "_raw_spin", "finish_task_switch", "__schedule")):
            cats["kernel: interrupts / preemption on return to user space"] += 1
            continue
        for name, keys in USER_CATEGORIES:
            if leaf.startswith(keys):
                cats[name] += 1
                break
        else:
            if own_re and own_re.search(leaf):
                cats["ayaka-edge code (self)"] += 1
            elif "NIO" in leaf or "Channel" in leaf or "ByteBuffer" in leaf or "HTTP" in leaf \
                    or "EventLoop" in leaf or "Selector" in leaf or "Socket" in leaf:
                cats["SwiftNIO code (self)"] += 1
            else:
                cats["other user space"] += 1

    print(f"{n} samples (perf cpu-clock, ~1 kHz, ayaka-edge's threads only)\n")
    print("Self time by category")
    for k, v in cats.most_common():
        print(f"  {pct(v):5.1f}%  {k}")
    print("\nHeaviest self symbols")
    for k, v in self_syms.most_common(25):
        print(f"  {pct(v):5.1f}%  {k[:140]}")
    runtime = tuple(k for name, keys in USER_CATEGORIES[:4] for k in keys) + ("outlined", "tuple_destroy",
                                                                               "swift_arrayDestroy",
                                                                               "swift_arrayInitWithCopy")
    for title, keys in [("swift_retain / swift_release", USER_CATEGORIES[0][1]),
                        ("malloc / free", USER_CATEGORIES[1][1])]:
        callers = collections.Counter()
        for s in samples:
            if s[0].startswith(keys):
                callers[next((f for f in s[1:] if not f.startswith(runtime)), "?")] += 1
        print(f"\nWho calls {title} (first frame outside the Swift runtime)")
        for k, v in callers.most_common(15):
            print(f"  {pct(v):5.1f}%  {k[:140]}")
    print("\nayaka-edge's own functions, inclusive (time in them and everything they call)")
    shown = 0
    for k, v in incl.most_common():
        if own_re and own_re.search(k) and not k.startswith(("protocol witness", "thunk", "partial apply")):
            print(f"  {pct(v):5.1f}%  {k[:140]}")
            shown += 1
            if shown >= 30:
                break


if __name__ == "__main__":
    main()
