//! The Rust side of `make diff-upstream`: mio 1.1.0's own iocp.rs and
//! handle.rs, built unmodified from a located copy, driven step by step.
//!
//! `diff_rust.exe [FILE...]` runs each sequence, named on standard input, one
//! per line, when no FILE is given (the format is in
//! tests/upstream/diff_c.c, which runs the same sequences through the C
//! module) and prints one trace line per step; diff_upstream.py compares the
//! two traces line by line.  `diff_rust.exe --durations SEED COUNT` prints
//! duration_millis over the boundary set and COUNT random durations.
//! Built with `--test`, the same crate runs upstream's own #[cfg(test)] tests.
#![allow(clippy::upper_case_acronyms)]

// build/upstream/mio is a link to the located mio 1.1.0 (diff_upstream.py).
#[allow(dead_code)]
#[path = "../../build/upstream/mio/src/sys/windows/handle.rs"]
mod handle;
#[allow(dead_code)]
#[path = "../../build/upstream/mio/src/sys/windows/iocp.rs"]
mod iocp;
// duration_millis, cut from the located iocp.rs's text and wrapped (it is private there).
#[allow(dead_code)]
#[path = "../../build/upstream/gen/duration_millis.rs"]
mod upstream_duration;

use handle::Handle;
/// mio's `Overlapped` wraps an OVERLAPPED; iocp.rs only casts pointers to it.
pub struct Overlapped;

use iocp::{CompletionPort, CompletionStatus};
use std::ffi::c_void;
use std::fmt::Write as _;
use std::io::Read as _;
use std::os::windows::io::{AsRawHandle, FromRawHandle, IntoRawHandle, RawHandle};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Duration;
use windows_sys::Win32::Foundation::{HANDLE, INVALID_HANDLE_VALUE};
use windows_sys::Win32::System::IO::OVERLAPPED;

// ---- Named pipes: the driver's own declarations (not iocp.rs's) ----

#[link(name = "kernel32")]
extern "system" {
    fn CreateNamedPipeA(name: *const u8, open: u32, mode: u32, instances: u32, out: u32,
                        inb: u32, timeout: u32, sa: *mut c_void) -> HANDLE;
    fn CreateFileA(name: *const u8, access: u32, share: u32, sa: *mut c_void, disposition: u32,
                   flags: u32, template: HANDLE) -> HANDLE;
    fn ConnectNamedPipe(pipe: HANDLE, ov: *mut OVERLAPPED) -> i32;
    fn ReadFile(h: HANDLE, buf: *mut u8, len: u32, done: *mut u32, ov: *mut OVERLAPPED) -> i32;
    fn WriteFile(h: HANDLE, buf: *const u8, len: u32, done: *mut u32, ov: *mut OVERLAPPED) -> i32;
    fn CloseHandle(h: HANDLE) -> i32;
    fn GetLastError() -> u32;
    fn GetCurrentProcessId() -> u32;
}

const PORTS: usize = 2;
const ENDS: usize = 4;
const MAX_STEPS: usize = 128;
const WAIT_TIMEOUT: u32 = 258;

/// A raw file handle, for add_handle's `AsRawHandle` bound.
struct Raw(HANDLE);
impl AsRawHandle for Raw {
    fn as_raw_handle(&self) -> RawHandle {
        self.0 as RawHandle
    }
}

fn zero_ov() -> OVERLAPPED {
    OVERLAPPED { Internal: 0, InternalHigh: 0, Offset: 0, OffsetHigh: 0, hEvent: std::ptr::null_mut() }
}

fn make_pair(serial: u32) -> (HANDLE, HANDLE) {
    let name = format!("\\\\.\\pipe\\mio_iocp_diff_rust_{}_{}\0", unsafe { GetCurrentProcessId() }, serial);
    unsafe {
        let a = CreateNamedPipeA(name.as_ptr(), 3 | 0x4000_0000, 0, 1, 4096, 4096, 0, std::ptr::null_mut());
        let b = CreateFileA(name.as_ptr(), 0x8000_0000 | 0x4000_0000, 0, std::ptr::null_mut(), 3,
                            0x4000_0000, std::ptr::null_mut());
        let mut connect = zero_ov();
        let connected = ConnectNamedPipe(a, &mut connect) == 0 && GetLastError() == 535;
        assert!(a != INVALID_HANDLE_VALUE && b != INVALID_HANDLE_VALUE && connected, "cannot make a pipe pair");
        (a, b)
    }
}

/// The timeouts of a get step: `short` may wait (up to 2 ms), `long` follows a post.
fn timeout_of(arg: u8, long: bool) -> Option<Duration> {
    let class = (arg >> 2) % 8;
    if !long {
        return Some(match class {
            1 => Duration::from_nanos(1),
            2 => Duration::from_nanos(999_999),
            3 => Duration::from_millis(1),
            4 => Duration::new(0, 1_000_001),
            5 => Duration::from_micros(1500),
            _ => Duration::ZERO,
        });
    }
    match class {
        0 => None,
        1 => Some(Duration::MAX),
        2 => Some(Duration::from_secs(3600)),
        3 => Some(Duration::new(4_294_967, 294_000_000)),
        4 => Some(Duration::new(4_294_967, 294_000_001)),
        5 => Some(Duration::new(u64::MAX, 0)),
        6 => Some(Duration::from_secs(1 << 32)),
        _ => Some(Duration::new(10, 1)),
    }
}

fn describe(t: Option<Duration>) -> String {
    match t {
        None => "none".to_string(),
        Some(d) => format!("{}s{}ns", d.as_secs(), d.subsec_nanos()),
    }
}

fn error_of(r: &std::io::Error) -> u32 {
    r.raw_os_error().map_or(u32::MAX, |e| e as u32)
}

struct Run {
    ports: [Option<CompletionPort>; PORTS],
    ends: [Option<HANDLE>; ENDS],
    ov: Box<[OVERLAPPED; MAX_STEPS]>, // one per request; they outlive the sequence
    buf: Box<[[u8; 8]; MAX_STEPS]>,
    step: usize,
    serial: u32,
    out: String,
}

impl Run {
    fn line(&mut self, text: String) {
        let _ = writeln!(self.out, "{} {}", self.step, text);
    }

    /// A request's OVERLAPPED is named by the step that made it; posted values as they are.
    fn ov_name(&self, p: *mut OVERLAPPED) -> String {
        let base = self.ov.as_ptr() as usize;
        let at = p as usize;
        if at >= base && at < base + MAX_STEPS * std::mem::size_of::<OVERLAPPED>() {
            format!("r{}", (at - base) / std::mem::size_of::<OVERLAPPED>())
        } else {
            format!("{}", at)
        }
    }

    fn op_new(&mut self, slot: usize) {
        if let Some(port) = self.ports[slot].take() {
            let seen = port.as_raw_handle();
            let raw = port.into_raw_handle();
            self.ports[slot] = Some(unsafe { CompletionPort::from_raw_handle(raw) });
            let same = if seen == raw { "same" } else { "different" };
            self.line(format!("roundtrip port {} -> {}", slot, same));
            return;
        }
        match CompletionPort::new(0) {
            Ok(p) => {
                self.ports[slot] = Some(p);
                self.line(format!("new port {} -> 0", slot));
            }
            Err(e) => self.line(format!("new port {} -> {}", slot, error_of(&e))),
        }
    }

    fn op_post(&mut self, slot: usize, arg: u8) {
        let ov = (8 * (arg as usize % 4)) as *mut Overlapped;
        let r = match &self.ports[slot] {
            None => return,
            Some(p) => p.post(CompletionStatus::new(arg as u32, arg as usize / 16, ov)),
        };
        let e = r.as_ref().map_or_else(error_of, |_| 0);
        self.line(format!("post port {} bytes {} key {} ov {} -> {}", slot, arg, arg / 16,
                          8 * (arg % 4), e));
    }

    fn op_get(&mut self, slot: usize, arg: u8, long: bool) {
        if self.ports[slot].is_none() {
            return;
        }
        if !long && (arg >> 2) % 8 == 7 {
            return self.op_len0();
        }
        if long {
            self.op_post(slot, arg); // a packet is queued: the long wait returns at once
        }
        let len = 1 + arg as usize % 4;
        let timeout = timeout_of(arg, long);
        let mut list = vec![CompletionStatus::zero(); len];
        let port = self.ports[slot].as_ref().unwrap();
        let (e, got): (u32, Vec<CompletionStatus>) = match port.get_many(&mut list, timeout) {
            Ok(s) => (0, s.to_vec()),
            Err(e) => (error_of(&e), Vec::new()),
        };
        let ms = windows_sys::last_wait().1;
        self.line(format!("get port {} len {} timeout {} -> {} removed {} ms {}", slot, len,
                          describe(timeout), e, got.len(), ms));
        for s in &got {
            let st = CompletionStatus::from_entry(s.entry());
            let text = format!("  packet key {} bytes {} ov {} internal {:x}", st.token(),
                               st.bytes_transferred(), self.ov_name(st.overlapped()), s.entry().Internal);
            self.line(text);
        }
    }

    /// A zero-length list, on a port of its own holding one packet.
    fn op_len0(&mut self) {
        let port = CompletionPort::new(0).expect("a port");
        port.post(CompletionStatus::new(1, 1, std::ptr::null_mut())).expect("a post");
        let mut list = vec![CompletionStatus::zero(); 1];
        let r = outcome(|| port.get_many(&mut list[..0], Some(Duration::ZERO)).map(|s| s.len()));
        let outcome = match r {
            Err(_) => "panic".to_string(),
            Ok(Ok(n)) => format!("0 removed {}", n),
            Ok(Err(e)) => format!("{} removed 0", error_of(&e)),
        };
        self.line(format!("get len 0 -> {}", outcome));
    }

    fn op_add(&mut self, end: usize, arg: u8) {
        let slot = arg as usize % PORTS;
        let (h, port) = match (self.ends[end], &self.ports[slot]) {
            (Some(h), Some(p)) => (h, p),
            _ => return,
        };
        let e = port.add_handle(arg as usize / 16, &Raw(h)).as_ref().map_or_else(error_of, |_| 0);
        self.line(format!("add end {} port {} key {} -> {}", end, slot, arg / 16, e));
    }

    fn op_io(&mut self, end: usize, arg: u8, write: bool) {
        let h = match self.ends[end] {
            Some(h) => h,
            None => return,
        };
        let len = 1 + arg as u32 % 8;
        let step = self.step;
        self.ov[step] = zero_ov();
        let mut done = 0u32;
        let ok = unsafe {
            if write {
                WriteFile(h, b"abcdefgh".as_ptr(), len, &mut done, &mut self.ov[step])
            } else {
                ReadFile(h, self.buf[step].as_mut_ptr(), len, &mut done, &mut self.ov[step])
            }
        };
        let e = if ok != 0 { 0 } else { unsafe { GetLastError() } };
        let what = if write { "write" } else { "read" };
        let bytes = if e == 0 { done } else { 0 };
        self.line(format!("{} end {} len {} -> {} bytes {}", what, end, len, e, bytes));
    }

    fn op_close_port(&mut self, slot: usize) {
        if self.ports[slot].take().is_some() {
            self.line(format!("close port {}", slot));
        }
    }

    fn op_close_end(&mut self, end: usize) {
        if let Some(h) = self.ends[end].take() {
            let ok = unsafe { CloseHandle(h) };
            self.line(format!("close end {} -> {}", end, ok));
        }
    }

    fn op_new_pair(&mut self, pair: usize) {
        if self.ends[2 * pair].is_some() || self.ends[2 * pair + 1].is_some() {
            return;
        }
        let (a, b) = make_pair(self.serial);
        self.serial += 1;
        self.ends[2 * pair] = Some(a);
        self.ends[2 * pair + 1] = Some(b);
        self.line(format!("pair {}", pair));
    }

    fn run(&mut self, data: &[u8]) {
        self.step = 0;
        self.op_new(0);
        self.op_new_pair(0);
        self.step = 1;
        while self.step < MAX_STEPS && 2 * self.step <= data.len() {
            let (pick, arg) = (data[2 * self.step - 2], data[2 * self.step - 1]);
            let obj = (pick >> 4) as usize;
            match pick % 10 {
                0 => self.op_new(obj % PORTS),
                1 => self.op_post(obj % PORTS, arg),
                2 => self.op_get(obj % PORTS, arg, false),
                3 => self.op_get(obj % PORTS, arg, true),
                4 => self.op_add(obj % ENDS, arg),
                5 => self.op_io(obj % ENDS, arg, false),
                6 => self.op_io(obj % ENDS, arg, true),
                7 => self.op_close_port(obj % PORTS),
                8 => self.op_close_end(obj % ENDS),
                _ => self.op_new_pair(obj % 2),
            }
            self.step += 1;
        }
        for e in 0..ENDS {
            self.op_close_end(e);
        }
        for p in 0..PORTS {
            while self.ports[p].is_some() && self.drain_once(p) {}
            self.op_close_port(p);
        }
    }

    /// One get of up to 4 with a zero timeout; false once the port is empty.
    fn drain_once(&mut self, slot: usize) -> bool {
        let before = self.out.len();
        self.op_get(slot, 3, false);
        !self.out[before..].contains(&format!("-> {} removed 0", WAIT_TIMEOUT))
    }
}

// ---- duration_millis: upstream's rounding beside the C function ----

/// splitmix64: the same generator as diff_c.c, so both sides draw the same durations.
fn next(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Boundary durations, as (secs, nanos) pairs that the C side also builds.
fn boundaries() -> Vec<(u64, u32)> {
    let secs = [0u64, 1, 2, 4_294_966, 4_294_967, 4_294_968, 1 << 32, 18_446_744_073_709_551,
                18_446_744_073_709_552, u64::MAX / 1000, u64::MAX - 1, u64::MAX];
    let nanos = [0u32, 1, 999_999, 1_000_000, 1_000_001, 294_000_000, 294_000_001, 295_000_000,
                 999_000_001, 999_999_999, 1_000_000_000, 1_999_999_999, u32::MAX];
    let mut v = Vec::new();
    for &s in &secs {
        for &n in &nanos {
            v.push((s, n));
        }
    }
    v
}

fn random_duration(state: &mut u64) -> (u64, u32) {
    let r = next(state);
    let secs = match r % 4 {
        0 => next(state) % 4,
        1 => 4_294_960 + next(state) % 16,
        2 => next(state),
        _ => next(state) % 100_000,
    };
    let n = next(state);
    let nanos = if n % 16 == 0 { n as u32 } else { (n % 1_000_000_000) as u32 };
    (secs, nanos)
}

/// Upstream's result for C's (secs, nanos): Duration::new carries whole seconds
/// out of nanos and panics where that overflows (IOCP-DM-9 in the C module).
fn upstream_millis(secs: u64, nanos: u32, via_port: Option<&CompletionPort>) -> String {
    let d = match outcome(|| Duration::new(secs, nanos)) {
        Ok(d) => d,
        Err(_) => return "panic".to_string(),
    };
    let copied = upstream_duration::call(Some(d));
    if let Some(port) = via_port {
        // The same value through the real get_many: a packet is queued, so it returns at once.
        port.post(CompletionStatus::new(0, 0, std::ptr::null_mut())).expect("a post");
        let mut list = [CompletionStatus::zero()];
        port.get_many(&mut list, Some(d)).expect("a packet");
        let observed = windows_sys::last_wait().1;
        assert_eq!(observed, copied, "get_many passed {} where the copied text gives {}", observed, copied);
    }
    copied.to_string()
}

fn durations(seed: u64, count: u64) {
    let port = CompletionPort::new(0).expect("a port");
    let mut out = String::new();
    // None, through get_many too.
    port.post(CompletionStatus::new(0, 0, std::ptr::null_mut())).expect("a post");
    port.get_many(&mut [CompletionStatus::zero()], None).expect("a packet");
    assert_eq!(windows_sys::last_wait().1, upstream_duration::call(None));
    let _ = writeln!(out, "none {}", upstream_duration::call(None));
    for (s, n) in boundaries() {
        let _ = writeln!(out, "{} {} {}", s, n, upstream_millis(s, n, Some(&port)));
    }
    let mut state = seed;
    for _ in 0..count {
        let (s, n) = random_duration(&mut state);
        let _ = writeln!(out, "{} {} {}", s, n, upstream_millis(s, n, None));
    }
    print!("{}", out);
}

/// Set while a panic is an expected outcome (it goes in the trace, not on stderr).
static QUIET: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Runs `f`; a panic inside is returned as Err, without a message.
fn outcome<T>(f: impl FnOnce() -> T) -> Result<T, ()> {
    QUIET.store(true, std::sync::atomic::Ordering::SeqCst);
    let r = catch_unwind(AssertUnwindSafe(f)).map_err(|_| ());
    QUIET.store(false, std::sync::atomic::Ordering::SeqCst);
    r
}

fn main() {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !QUIET.load(std::sync::atomic::Ordering::SeqCst) {
            default_hook(info);
        }
    }));
    let args: Vec<String> = std::env::args().collect();
    if args.len() == 4 && args[1] == "--durations" {
        return durations(args[2].parse().expect("a seed"), args[3].parse().expect("a count"));
    }
    let mut run = Run {
        ports: [None, None],
        ends: [None; ENDS],
        ov: Box::new([zero_ov(); MAX_STEPS]),
        buf: Box::new([[0; 8]; MAX_STEPS]),
        step: 0,
        serial: 0,
        out: String::new(),
    };
    // With no file named, the names come from standard input, one per line, so
    // that no command line grows with the number of sequences.
    let names: Vec<String> = if args.len() > 1 {
        args[1..].to_vec()
    } else {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text).expect("names on standard input");
        text.lines().map(str::trim).filter(|l| !l.is_empty()).map(String::from).collect()
    };
    for name in &names {
        let data = std::fs::read(name).expect("a sequence file");
        let _ = writeln!(run.out, "# {}", name);
        run.run(&data[..data.len().min(2 * MAX_STEPS)]);
    }
    print!("{}", run.out);
}
