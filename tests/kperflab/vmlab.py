"""The kperf VM lab: kperf commands in a qemu guest running Debian's stock
kernel, for kernel features the host lacks (kTLS: the host kernel has no
CONFIG_TLS).

    from kperflab.vmlab import vm_probe, run_cases
    if vm_probe() is None:
        res = run_cases([("plain", "kperf --src 198.18.0.1 --dst 198.18.0.2"
                                   " -t 1 --json"),
                         ("stat", "tls_stat b")], build_dir)
        res["plain"].rc, res["plain"].stdout, res["stat"].tls_stat_after

One boot runs every case, in order.  Inside the guest: namespaces "a"
(198.18.0.1) and "b" (198.18.0.2) joined by a veth pair (veth0 in each, RPS
over every CPU), kperfd listening in each, the modules of MODULES loaded
(tls and the crypto it needs); a case is a shell command line run in "a"
with kperf, kperfd and `tls_stat NS` on PATH, under a timeout.

The kernel is Debian's linux-image-amd64 of the host's apt sources, fetched
with `apt-get download` and unpacked with `dpkg -x` (never installed) into
a cache: $KPERF_VM_CACHE, else /var/cache/kperf-vm when writable, else
~/.cache/kperf-vm.  qemu runs with TCG (KVM cannot run a guest on these
machines).  The serial console of the last run is kept in
BUILD/vm/console.log, the results channel in BUILD/vm/results.log, the
guest's kperfd logs and dmesg beside them.

From a shell (the repository's tests/ on PYTHONPATH):

    PYTHONPATH=tests python3 -m kperflab.vmlab -B build "tls_stat b"
"""

import base64
import fcntl
import gzip
import io
import lzma
import os
import re
import shutil
import signal
import stat
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

from kperflab import procfs

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
GUEST_INIT = HERE / "guest-init.sh"

QEMU = os.environ.get("KPERF_VM_QEMU", "qemu-system-x86_64")
BUSYBOX = "/bin/busybox"	# busybox-static: the guest has no libc of its own
META_PACKAGE = "linux-image-amd64"
# Loaded at boot, in dependency order.  tls.ko declares no dependency on
# the crypto it allocates at run time, so that crypto is named here.
REQUIRED_MODULES = ("veth", "tls")
OPTIONAL_MODULES = (
    "gf128mul", "ghash-generic", "ctr", "gcm", "ccm", "seqiv", "cryptd",
    "crypto_simd", "aesni-intel", "ghash-clmulni-intel",
    "libchacha", "chacha_generic", "chacha-x86_64", "libpoly1305",
    "poly1305_generic", "poly1305-x86_64", "chacha20poly1305",
)
# What the kernel cache keeps of the package's modules (the rest is ~350 MB
# of drivers, sound and file systems).
KEEP_MODULES = ("kernel/arch", "kernel/crypto", "kernel/lib", "kernel/net")
KEEP_MODULES_FLAT = ("kernel/drivers/net",)	# its files, not subfolders

CASE_NAME = re.compile(r"^[A-Za-z0-9_.,:+=@\[\]-]{1,100}$")
DEFAULT_CASE_TIMEOUT = 120	# seconds, inside the guest, per case
KPERFD_WAIT = 20		# seconds for both kperfd to listen


class VMUnavailable(Exception):
    """The lab cannot run here: qemu cannot start a guest at all, or the
    kernel package cannot be fetched.  str() is the reason."""


class VMError(Exception):
    """The guest did not finish (panic, hang, timeout, failed set-up).
    .results holds the cases that did finish, .log_tail the console's end,
    .console the path of the whole console log."""

    def __init__(self, msg, results=None, log_tail="", console=None):
        super().__init__(msg)
        self.results = results or {}
        self.log_tail = log_tail
        self.console = console


class CaseResult:
    """One case: .rc, .stdout, .stderr (str), .secs (run time in the
    guest), .timed_out (ran past its limit: SIGTERM, SIGKILL 5 s later;
    .rc is then 143 or 137), and .tls_stat_before / .tls_stat_after:
    {"a": {counter: int}, "b": {...}}, or {} when /proc/net/tls_stat
    does not exist (the tls module did not load)."""

    def __init__(self, name):
        self.name = name
        self.rc = None
        self.stdout = ""
        self.stderr = ""
        self.secs = None
        self.timed_out = False
        self.tls_stat_before = {}
        self.tls_stat_after = {}

    def __repr__(self):
        return "CaseResult(%s, rc=%s, %ss%s)" % (
            self.name, self.rc, self.secs,
            ", timed out" if self.timed_out else "")


def default_build_dir():
    """$KPERF_BUILD or <repo>/build, as tests/system does."""
    d = Path(os.environ.get("KPERF_BUILD", "build"))
    return d if d.is_absolute() else REPO / d


def binaries(build_dir):
    """(kperf, kperfd) paths in a build tree."""
    b = Path(build_dir)
    return b / "src" / "client" / "kperf", b / "src" / "server" / "kperfd"


# ---------------------------------------------------------------------------
# The kernel: fetched once, cached unpacked.

def cache_dir():
    env = os.environ.get("KPERF_VM_CACHE")
    if env:
        return Path(env)
    var = Path("/var/cache/kperf-vm")
    if os.access(var if var.exists() else var.parent, os.W_OK):
        return var
    xdg = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    return Path(xdg) / "kperf-vm"


def _run(cmd, **kw):
    kw.setdefault("stdin", subprocess.DEVNULL)
    kw.setdefault("capture_output", True)
    kw.setdefault("text", True)
    return subprocess.run(cmd, check=False, **kw)


def _kernel_package():
    """The package linux-image-amd64 depends on now, or None."""
    try:
        p = _run(["apt-cache", "depends", META_PACKAGE], timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    m = re.search(r"^\s*Depends:\s*(linux-image-[0-9]\S*)", p.stdout, re.M)
    return m.group(1) if m else None


class Kernel:
    """An unpacked kernel package: .vmlinuz, .release, .modules (the
    lib/modules/RELEASE folder), .boot_image (what qemu boots)."""

    def __init__(self, root):
        self.root = Path(root)
        boots = sorted((self.root / "boot").glob("vmlinuz-*"))
        if not boots:
            raise VMUnavailable("no vmlinuz in %s" % root)
        self.vmlinuz = boots[-1]
        self.release = self.vmlinuz.name[len("vmlinuz-"):]
        self.modules = self.root / "lib" / "modules" / self.release
        self.boot_image = self._pvh_image() or self.vmlinuz

    def _pvh_image(self):
        """The uncompressed ELF vmlinux, which qemu starts at its PVH entry:
        no decompression in the guest, about 3 s less per boot under TCG
        (Debian's bzImage is xz).  Made once, kept beside vmlinuz; None
        when the kernel has no PVH entry or an unknown compression."""
        elf = self.root / "boot" / ("vmlinux-%s.pvh" % self.release)
        if elf.exists():
            return elf
        config = self.root / "boot" / ("config-%s" % self.release)
        if not config.exists() or \
                "\nCONFIG_PVH=y\n" not in config.read_text(errors="replace"):
            return None
        data = self.vmlinuz.read_bytes()
        for magic, make in ((b"\xfd7zXZ\x00", lzma.LZMADecompressor),
                            (b"\x1f\x8b\x08\x00",
                             lambda: zlib.decompressobj(16 + 15))):
            off = data.find(magic)
            if off < 0:
                continue
            try:
                out = make().decompress(data[off:])
            except (lzma.LZMAError, zlib.error):
                continue
            if out[:4] == b"\x7fELF":
                tmp = elf.with_name(elf.name + ".%d" % os.getpid())
                try:
                    tmp.write_bytes(out)
                    tmp.rename(elf)
                except OSError:
                    return None
                return elf
        return None


def _prune(modules):
    """Drop from an unpacked modules tree what the lab will never load."""
    keep = [modules / k for k in KEEP_MODULES]
    flat = [modules / k for k in KEEP_MODULES_FLAT]

    def walk(d):
        for e in list(d.iterdir()):
            if e in keep:
                continue
            if not e.is_dir() or e.is_symlink():
                e.unlink()
            elif e in flat:
                for sub in e.iterdir():
                    if sub.is_dir() and not sub.is_symlink():
                        shutil.rmtree(sub)
            elif any(k.is_relative_to(e) for k in keep + flat):
                walk(e)
            else:
                shutil.rmtree(e)
    if (modules / "kernel").is_dir():
        walk(modules / "kernel")


def _download(pkg, dest):
    cmd = ["apt-get", "download", "-q", "-o", "APT::Sandbox::User=root", pkg]
    if os.geteuid() != 0:
        cmd = ["apt-get", "download", "-q", pkg]
    p = _run(cmd, cwd=dest, timeout=600)
    if p.returncode != 0 and os.geteuid() == 0:
        # Lists older than the archive (a point release since): refresh.
        _run(["apt-get", "update", "-q"], timeout=600)
        p = _run(cmd, cwd=dest, timeout=600)
    if p.returncode != 0:
        raise VMUnavailable("apt-get download %s failed: %s"
                            % (pkg, (p.stderr or p.stdout).strip()[-500:]))
    debs = list(Path(dest).glob("*.deb"))
    if len(debs) != 1:
        raise VMUnavailable("apt-get download %s left %d .deb files"
                            % (pkg, len(debs)))
    return debs[0]


def ensure_kernel():
    """The cached kernel of the current linux-image-amd64 (fetched and
    unpacked on first use).  Raises VMUnavailable."""
    cache = cache_dir()
    try:
        cache.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise VMUnavailable("cannot create the kernel cache %s: %s"
                            % (cache, e))
    cached = sorted(d for d in cache.glob("linux-image-*")
                    if (d / ".complete").exists())
    pkg = _kernel_package()
    if pkg is None:
        if cached:
            return Kernel(cached[-1])
        raise VMUnavailable("apt-cache finds no %s dependency (no apt lists?"
                            " run apt-get update)" % META_PACKAGE)
    root = cache / pkg
    if (root / ".complete").exists():
        return Kernel(root)
    try:
        return _fetch(cache, pkg, root)
    except VMUnavailable as e:
        if not cached:
            raise
        # The archive moved on and cannot be reached: the last kernel will do.
        print("vmlab: %s; using the cached %s" % (e, cached[-1].name),
              file=sys.stderr)
        return Kernel(cached[-1])


def _fetch(cache, pkg, root):
    with open(cache / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)	# another run may be fetching
        if (root / ".complete").exists():
            return Kernel(root)
        tmp = Path(tempfile.mkdtemp(prefix=".fetch-", dir=cache))
        try:
            os.chmod(tmp, 0o755)	# apt's _apt user writes here
            deb = _download(pkg, tmp)
            unpacked = tmp / "root"
            p = _run(["dpkg-deb", "-x", str(deb), str(unpacked)],
                     timeout=600)
            if p.returncode != 0:
                raise VMUnavailable("dpkg -x %s failed: %s"
                                    % (deb.name, p.stderr.strip()))
            k = Kernel(unpacked)
            _prune(k.modules)
            (unpacked / ".complete").write_text(deb.name + "\n")
            if root.exists():
                shutil.rmtree(root)
            unpacked.rename(root)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        # Older kernels this cache held: the lab only boots the current one.
        for old in cache.glob("linux-image-*"):
            if old != root:
                shutil.rmtree(old, ignore_errors=True)
    return Kernel(root)


# ---------------------------------------------------------------------------
# Modules: .modinfo read from the ELF file, dependency closure and order.

def _ko_bytes(path):
    data = Path(path).read_bytes()
    if path.name.endswith(".xz"):
        data = lzma.decompress(data)
    elif path.name.endswith(".zst"):
        raise VMUnavailable("zstd-compressed modules are not supported: %s"
                            % path.name)
    elif path.name.endswith(".gz"):
        data = gzip.decompress(data)
    return data


def modinfo(data):
    """{key: [values]} of a module's .modinfo section (ELF64 LE)."""
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        raise ValueError("not an ELF64 little-endian file")
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3A)

    def section(i):
        name, _, _, _, off, size = struct.unpack_from(
            "<IIQQQQ", data, shoff + i * shentsize)
        return name, off, size
    _, stroff, _ = section(shstrndx)
    info = {}
    for i in range(shnum):
        name, off, size = section(i)
        end = data.index(b"\0", stroff + name)
        if data[stroff + name:end] != b".modinfo":
            continue
        for item in data[off:off + size].split(b"\0"):
            if b"=" in item:
                k, v = item.decode("utf-8", "replace").split("=", 1)
                info.setdefault(k, []).append(v)
    return info


def _modname(filename):
    return re.sub(r"\.ko(\.(xz|gz|zst))?$", "", filename).replace("-", "_")


def resolve_modules(kernel):
    """[(name, path)] to load, dependencies first: REQUIRED_MODULES and
    those OPTIONAL_MODULES the package has as modules, and everything
    they depend on (depends= and softdep pre:/post:).  Raises
    VMUnavailable when a required one is neither a module nor built in."""
    index = {}
    for p in (kernel.modules / "kernel").rglob("*.ko*"):
        index[_modname(p.name)] = p
    builtin = set()
    bfile = kernel.modules / "modules.builtin"
    if bfile.exists():
        builtin = {_modname(Path(l).name)
                   for l in bfile.read_text().split()}
    order, seen, infos = [], set(), {}

    def visit(name, chain=()):
        if name in seen or name in builtin or name not in index:
            return
        if name in chain:
            return	# a cycle: load in the order met
        info = infos.get(name)
        if info is None:
            info = infos[name] = modinfo(_ko_bytes(index[name]))
        deps = [d for v in info.get("depends", []) for d in v.split(",")
                if d]
        pre, post = [], []
        for v in info.get("softdep", []):
            where = None
            for w in v.split():
                if w in ("pre:", "post:"):
                    where = pre if w == "pre:" else post
                elif where is not None:
                    where.append(w)
        for d in deps + pre:
            visit(d.replace("-", "_"), chain + (name,))
        if name not in seen:
            seen.add(name)
            order.append((name, index[name]))
        for d in post:
            visit(d.replace("-", "_"), chain + (name,))

    for m in REQUIRED_MODULES:
        n = m.replace("-", "_")
        if n not in index and n not in builtin:
            raise VMUnavailable("kernel %s has no module %s"
                                % (kernel.release, m))
        visit(n)
    for m in OPTIONAL_MODULES:
        visit(m.replace("-", "_"))
    return order


# ---------------------------------------------------------------------------
# The initramfs: a newc cpio written here (no cpio or root needed).

class Cpio:
    def __init__(self):
        self.buf = io.BytesIO()
        self.ino = 1
        self.paths = set()

    def _entry(self, path, mode, data=b"", rdev=(0, 0)):
        path = path.strip("/")
        name = path.encode() + b"\0"
        fields = (self.ino, mode, 0, 0, 1, 0, len(data), 0, 0,
                  rdev[0], rdev[1], len(name), 0)
        self.ino += 1
        self.buf.write(b"070701" + b"".join(b"%08X" % f for f in fields))
        self.buf.write(name)
        self.buf.write(b"\0" * (-(110 + len(name)) % 4))
        self.buf.write(data)
        self.buf.write(b"\0" * (-len(data) % 4))
        self.paths.add(path)

    def dir(self, path):
        parts = path.strip("/").split("/")
        for i in range(1, len(parts) + 1):
            p = "/".join(parts[:i])
            if p and p not in self.paths:
                self._entry(p, stat.S_IFDIR | 0o755)

    def file(self, path, data, mode=0o644):
        self.dir(os.path.dirname(path.strip("/")))
        self._entry(path, stat.S_IFREG | mode, data)

    def symlink(self, path, target):
        self.dir(os.path.dirname(path.strip("/")))
        self._entry(path, stat.S_IFLNK | 0o777, target.encode())

    def chardev(self, path, major, minor):
        self.dir(os.path.dirname(path.strip("/")))
        self._entry(path, stat.S_IFCHR | 0o600, rdev=(major, minor))

    def has(self, path):
        return path.strip("/") in self.paths

    def finish(self):
        self._entry("TRAILER!!!", 0)
        self.buf.write(b"\0" * (-self.buf.tell() % 512))
        return self.buf.getvalue()


def _shared_libs(binary):
    """Paths of the shared libraries (and loader) a binary needs."""
    p = _run(["ldd", str(binary)], timeout=60)
    if p.returncode != 0:
        if "not a dynamic executable" in p.stdout + p.stderr:
            return []
        raise VMError("ldd %s failed: %s" % (binary, p.stderr.strip()))
    libs = []
    for line in p.stdout.splitlines():
        if "not found" in line:
            raise VMError("ldd %s: %s" % (binary, line.strip()))
        m = re.search(r"(?:=>\s*)?(/\S+)\s+\(0x", line)
        if m:
            libs.append(m.group(1))
    return libs


# Where the guest's loader looks by default: a library of the build tree
# (libkperf.so.0, found through the binary's $ORIGIN RUNPATH on the host)
# goes here, since the guest has no build tree.
GUEST_LIBDIR = "/lib/x86_64-linux-gnu"


def _add_binary(cpio, path_in_guest, host_path):
    cpio.file(path_in_guest, Path(host_path).read_bytes(), 0o755)
    for lib in _shared_libs(host_path):
        dest = lib
        if not lib.startswith(("/lib", "/usr/lib")):
            dest = "%s/%s" % (GUEST_LIBDIR, Path(lib).name)
        if not cpio.has(dest):
            cpio.file(dest, Path(lib).read_bytes(), 0o755)


TLS_STAT = """#!/bin/sh
# tls_stat NS: /proc/net/tls_stat of network namespace NS ("a" or "b")
[ $# -eq 1 ] || { echo "usage: tls_stat a|b" >&2; exit 2; }
exec /sbin/ip netns exec "$1" cat /proc/net/tls_stat
"""


# This busybox's sh runs its own applets before PATH: iproute2's ip wins.
CASE_PROLOGUE = 'ip() { /sbin/ip "$@"; }\n'


def build_initramfs(kernel, build_dir, cases, guest_timeout, stage):
    """The initramfs (bytes, uncompressed cpio) for these cases.  stage is
    a scratch folder (module staging for busybox depmod)."""
    kperf, kperfd = binaries(build_dir)
    for b in (kperf, kperfd):
        if not os.access(b, os.X_OK):
            raise FileNotFoundError("not built: %s" % b)
    c = Cpio()
    for d in ("proc", "sys", "dev", "run", "tmp", "root", "etc"):
        c.dir(d)
    c.chardev("dev/console", 5, 1)
    c.chardev("dev/null", 1, 3)
    c.chardev("dev/ttyS1", 4, 65)
    c.file("bin/busybox", Path(BUSYBOX).read_bytes(), 0o755)
    ip = shutil.which("ip", path="/usr/sbin:/sbin:/usr/bin:/bin")
    if ip is None:
        raise VMUnavailable("the VM lab needs iproute2's ip on the host")
    # iproute2's ip: busybox ip has no netns.
    _add_binary(c, "sbin/ip", os.path.realpath(ip))
    c.symlink("usr/sbin/ip", "/sbin/ip")
    c.symlink("bin/ip", "/sbin/ip")
    _add_binary(c, "usr/local/bin/kperf", kperf)
    _add_binary(c, "usr/local/bin/kperfd", kperfd)
    c.file("usr/local/bin/tls_stat", TLS_STAT.encode(), 0o755)
    c.file("init", GUEST_INIT.read_bytes(), 0o755)
    c.file("etc/passwd", b"root:x:0:0:root:/root:/bin/sh\n")
    c.file("etc/group", b"root:x:0:\n")
    c.file("etc/hosts", b"127.0.0.1 localhost\n::1 localhost\n"
           b"198.18.0.1 a\n198.18.0.2 b\n")
    c.file("etc/nsswitch.conf", b"passwd: files\ngroup: files\n"
           b"hosts: files\nservices: files\n")
    c.file("etc/services", b"kperf 18323/tcp\n")

    # Modules, decompressed, with a modules.dep from busybox depmod.
    mods = resolve_modules(kernel)
    rel = "lib/modules/%s" % kernel.release
    staged = Path(stage) / rel
    for name, src in mods:
        relpath = src.relative_to(kernel.modules)
        dst = staged / relpath.with_name(re.sub(r"\.(xz|gz|zst)$", "",
                                                src.name))
        dst.parent.mkdir(parents=True, exist_ok=True)
        dst.write_bytes(_ko_bytes(src))
    for f in ("modules.builtin", "modules.order"):
        if (kernel.modules / f).exists():
            shutil.copy(kernel.modules / f, staged / f)
    p = _run([BUSYBOX, "depmod", "-b", str(stage), kernel.release],
             timeout=120)
    if p.returncode != 0:
        raise VMError("busybox depmod failed: %s" % p.stderr.strip())
    for f in sorted(staged.rglob("*")):
        if f.is_file():
            c.file("%s/%s" % (rel, f.relative_to(staged)), f.read_bytes())
    c.file("etc/kperf-vm/modules.load",
           "".join(n + "\n" for n, _ in mods).encode())

    c.file("etc/kperf-vm/config", (
        "GUEST_TIMEOUT=%d\nKPERFD_WAIT=%d\nCASE_COUNT=%d\n"
        % (guest_timeout, KPERFD_WAIT, len(cases))).encode())
    for i, (name, command, limit) in enumerate(cases):
        c.file("etc/kperf-vm/case-%d.name" % i,
               ("%s %d\n" % (name, limit)).encode())
        c.file("etc/kperf-vm/case-%d.sh" % i, (CASE_PROLOGUE + command
                                                + "\n").encode())

    # busybox applets where nothing real sits already (ip stays iproute2's)
    p = _run([BUSYBOX, "--list-full"], timeout=60)
    for applet in p.stdout.split():
        if not c.has(applet):
            c.symlink(applet, "/bin/busybox")
    return c.finish()


# ---------------------------------------------------------------------------
# Probe, boot, parse.

_probe = None


def vm_probe():
    """None when the VM lab can run here, else the reason it cannot.  May
    fetch the kernel package (once; cached)."""
    global _probe
    if _probe is None:
        try:
            _probe = _probe_once() or ""
        except VMUnavailable as e:
            _probe = str(e)
    return _probe or None


def _probe_once():
    if sys.platform != "linux" or os.uname().machine != "x86_64":
        return "the VM lab needs an x86_64 Linux host"
    if shutil.which(QEMU) is None:
        return ("%s not found (apt-get install --no-install-recommends"
                " qemu-system-x86)" % QEMU)
    if not os.access(BUSYBOX, os.X_OK) or _shared_libs(BUSYBOX):
        return "a static %s is needed (apt-get install busybox-static)" \
            % BUSYBOX
    try:
        p = _run([QEMU, "-accel", "tcg", "-machine", "none", "-nodefaults",
                  "-display", "none", "-S", "-qmp", "stdio"],
                 input='{"execute":"qmp_capabilities"}\n'
                       '{"execute":"quit"}\n', stdin=None, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as e:
        return "%s does not start: %s" % (QEMU, e)
    if p.returncode != 0:
        return "%s does not start: %s" % (QEMU, p.stderr.strip()[-300:])
    ensure_kernel()
    return None


def _qemu_cmd(kernel, initrd, console, results, smp=2, mem=1024):
    append = ("console=ttyS0 panic=-1 oops=panic quiet mitigations=off"
              " random.trust_cpu=on rdinit=/init")
    return [
        QEMU, "-accel", "tcg", "-cpu", "max", "-smp", str(smp),
        "-m", str(mem), "-nodefaults", "-no-user-config",
        "-display", "none", "-no-reboot",
        "-kernel", str(kernel.boot_image), "-initrd", str(initrd),
        "-append", append,
        "-chardev", "file,id=con,path=%s" % console, "-serial", "chardev:con",
        "-chardev", "file,id=res,path=%s" % results, "-serial", "chardev:res",
    ]


def _tail(path, n=40):
    try:
        text = Path(path).read_text(errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-n:])


def parse_results(text):
    """(results {name: CaseResult}, files {name: bytes}, state) from the
    results channel; state: "done", "setup-failed TEXT", "in-case NAME"
    (the guest stopped during that case) or "incomplete"."""
    results, files, data = {}, {}, {}
    state, current = "incomplete", None
    for line in text.splitlines():
        line = line.strip("\r\n\0 ")
        if not line.startswith("@@KPERF-"):
            continue
        rec, _, rest = line.partition(" ")
        if rec == "@@KPERF-CASE-BEGIN":
            current = rest
            results[rest] = CaseResult(rest)
            data[rest] = {}
        elif rec == "@@KPERF-DATA":
            name, stream, chunk = (rest.split(" ") + ["", ""])[:3]
            data.setdefault(name, {}).setdefault(stream, []).append(chunk)
        elif rec == "@@KPERF-CASE-END":
            name, *fields = rest.split(" ")
            r = results.setdefault(name, CaseResult(name))
            kv = dict(f.split("=", 1) for f in fields if "=" in f)
            r.rc = int(kv.get("rc", "-1"))
            r.secs = float(kv.get("secs", "0") or 0)
            r.timed_out = kv.get("timeout") == "1"
            streams = {k: base64.b64decode("".join(v))
                       for k, v in data.get(name, {}).items()}
            r.stdout = streams.get("stdout", b"").decode("utf-8", "replace")
            r.stderr = streams.get("stderr", b"").decode("utf-8", "replace")
            for when in ("before", "after"):
                st = {ns: procfs.parse_counters(streams[k].decode())
                      for ns in ("a", "b")
                      if (k := "tls-%s-%s" % (when, ns)) in streams}
                if st:
                    st = {"a": st.get("a", {}), "b": st.get("b", {})}
                setattr(r, "tls_stat_" + when, st)
            current = None
        elif rec == "@@KPERF-FILE":
            name, _, chunk = rest.partition(" ")
            files.setdefault(name, []).append(chunk)
        elif rec == "@@KPERF-VM-SETUP-FAILED":
            state = "setup-failed " + rest
        elif rec == "@@KPERF-VM-DONE":
            if not state.startswith("setup-failed"):
                state = "done"
    if current is not None and state != "done":
        state = "in-case " + current
    files = {k: base64.b64decode("".join(v)) for k, v in files.items()}
    # A case that never ended has no result.
    results = {k: v for k, v in results.items() if v.rc is not None}
    return results, files, state


def _normalize(cases):
    out, names = [], set()
    for case in cases:
        if len(case) == 2:
            (name, command), limit = case, DEFAULT_CASE_TIMEOUT
        else:
            name, command, limit = case
        if not CASE_NAME.match(name):
            raise ValueError("case name %r: use [A-Za-z0-9_.,:+=@[]-], at"
                             " most 100 characters" % name)
        if name in names:
            raise ValueError("case name %r given twice" % name)
        names.add(name)
        out.append((name, command, max(1, int(limit))))
    return out


def run_cases(cases, build_dir, timeout_s=900):
    """Boot once, run cases [(name, command)] (or (name, command,
    case_timeout_s); default DEFAULT_CASE_TIMEOUT) in order in namespace
    "a", return {name: CaseResult}.  Raises VMUnavailable (no qemu, no
    kernel), FileNotFoundError (kperf not built), VMError (the guest did
    not finish: panic, hang, timeout, failed set-up)."""
    cases = _normalize(cases)
    kernel = ensure_kernel()
    if shutil.which(QEMU) is None:
        raise VMUnavailable("%s not found" % QEMU)
    build_dir = Path(build_dir).resolve()
    vmdir = build_dir / "vm"
    vmdir.mkdir(parents=True, exist_ok=True)
    run = Path(tempfile.mkdtemp(prefix="run-", dir=vmdir))
    try:
        return _run_in(run, vmdir, kernel, build_dir, cases, timeout_s)
    finally:
        shutil.rmtree(run, ignore_errors=True)


def _run_in(run, vmdir, kernel, build_dir, cases, timeout_s):
    timeout_s = max(30, int(timeout_s))
    # The guest gives up first, so its logs reach the host.
    guest_timeout = max(20, timeout_s - 15)
    t0 = time.monotonic()
    initrd = run / "initrd.cpio"
    initrd.write_bytes(build_initramfs(kernel, build_dir, cases,
                                       guest_timeout, run / "stage"))
    console, results_log = run / "console.log", run / "results.log"
    cmd = ["timeout", "-k", "5", str(timeout_s)] + _qemu_cmd(
        kernel, initrd, console, results_log)
    t_build = time.monotonic() - t0
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        qemu_out, _ = proc.communicate(timeout=timeout_s + 10)
    except BaseException:
        # Our own process group (timeout and qemu), by its id.
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        raise
    t_boot = time.monotonic() - t0 - t_build
    # Keep the last run's logs in BUILD/vm for debugging.
    for f in vmdir.glob("*.log"):
        f.unlink()
    for f in (console, results_log):
        if f.exists():
            shutil.copy(f, vmdir / f.name)
    text = results_log.read_text(errors="replace") if results_log.exists() \
        else ""
    results, files, state = parse_results(text)
    for name, body in files.items():
        if re.match(r"^[A-Za-z0-9_.-]+$", name):
            (vmdir / name).write_bytes(body)
    (vmdir / "timing.txt").write_text(
        "initramfs %.1f s, qemu %.1f s, %d cases\n"
        % (t_build, t_boot, len(cases)))
    if state == "done":
        return results
    qemu_text = qemu_out.decode(errors="replace").strip()
    if proc.returncode in (124, 137):
        why = "qemu killed after %d s (host timeout)" % timeout_s
    elif "@@KPERF-VM-GUEST-TIMEOUT" in text:
        why = "the guest timed out (%d s)" % guest_timeout
    elif state.startswith("setup-failed "):
        why = "guest set-up failed: " + state[len("setup-failed "):]
    elif proc.returncode != 0:
        why = "qemu exited %d: %s" % (proc.returncode, qemu_text[-500:])
    else:
        why = "the guest stopped (panic?)"
    if state.startswith("in-case "):
        why += ", during case " + state[len("in-case "):]
    tail = _tail(vmdir / "console.log")
    raise VMError("VM lab: %s (%d of %d cases done); console %s, last"
                  " lines:\n%s" % (why, len(results), len(cases),
                                   vmdir / "console.log", tail),
                  results, tail, vmdir / "console.log")


def main(argv):
    """python3 -m kperflab.vmlab [-B BUILD] COMMAND...: each COMMAND a case."""
    import argparse
    ap = argparse.ArgumentParser(description=main.__doc__)
    ap.add_argument("-B", "--build", default=str(default_build_dir()))
    ap.add_argument("-T", "--timeout", type=int, default=900)
    ap.add_argument("commands", nargs="+")
    a = ap.parse_args(argv)
    reason = vm_probe()
    if reason:
        print("VM lab unavailable: " + reason, file=sys.stderr)
        return 77
    cases = [("case%d" % i, c) for i, c in enumerate(a.commands)]
    res = run_cases(cases, a.build, a.timeout)
    rc = 0
    for name, cmd in cases:
        r = res[name]
        print("==== %s: %s -> rc=%d (%.2f s)" % (name, cmd, r.rc, r.secs))
        sys.stdout.write(r.stdout)
        if r.stderr:
            sys.stdout.write("---- stderr\n" + r.stderr)
        rc = rc or r.rc
    return 1 if rc else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
