//! The project's stand-in for the `windows-sys` crate (0.61), declaring only
//! what mio 1.1.0's iocp.rs and handle.rs use, so that those two files build
//! unmodified without Cargo or the network.  Same paths, names and types as
//! the real crate: `HANDLE` is `*mut c_void`, `BOOL` is `i32`.
//!
//! One difference, on purpose: `GetQueuedCompletionStatusEx` is a Rust
//! function that records the count and timeout mio passes, then calls
//! kernel32's.  That makes `duration_millis`, private to iocp.rs, observable
//! through `get_many` (tests/upstream/diff_rust.rs reads `last_wait()`).
#![allow(non_snake_case, non_camel_case_types, clippy::missing_safety_doc)]

use std::sync::atomic::{AtomicU32, Ordering};

static LAST_COUNT: AtomicU32 = AtomicU32::new(0);
static LAST_MILLIS: AtomicU32 = AtomicU32::new(0);

/// The count and the timeout in milliseconds of the last dequeue call.
pub fn last_wait() -> (u32, u32) {
    (LAST_COUNT.load(Ordering::SeqCst), LAST_MILLIS.load(Ordering::SeqCst))
}

pub mod Win32 {
    pub mod Foundation {
        pub type HANDLE = *mut core::ffi::c_void;
        pub type BOOL = i32;
        pub const INVALID_HANDLE_VALUE: HANDLE = -1i32 as _;

        #[link(name = "kernel32")]
        extern "system" {
            pub fn CloseHandle(hobject: HANDLE) -> BOOL;
        }
    }

    pub mod System {
        pub mod IO {
            use super::super::Foundation::{BOOL, HANDLE};
            use std::sync::atomic::Ordering;

            #[repr(C)]
            #[derive(Clone, Copy)]
            pub struct OVERLAPPED {
                pub Internal: usize,
                pub InternalHigh: usize,
                pub Offset: u32,
                pub OffsetHigh: u32,
                pub hEvent: HANDLE,
            }

            #[repr(C)]
            #[derive(Clone, Copy)]
            pub struct OVERLAPPED_ENTRY {
                pub lpCompletionKey: usize,
                pub lpOverlapped: *mut OVERLAPPED,
                pub Internal: usize,
                pub dwNumberOfBytesTransferred: u32,
            }

            mod kernel32 {
                use super::super::super::Foundation::{BOOL, HANDLE};
                use super::{OVERLAPPED, OVERLAPPED_ENTRY};

                #[link(name = "kernel32")]
                extern "system" {
                    pub fn CreateIoCompletionPort(
                        filehandle: HANDLE,
                        existingcompletionport: HANDLE,
                        completionkey: usize,
                        numberofconcurrentthreads: u32,
                    ) -> HANDLE;
                    pub fn GetQueuedCompletionStatusEx(
                        completionport: HANDLE,
                        lpcompletionportentries: *mut OVERLAPPED_ENTRY,
                        ulcount: u32,
                        ulnumentriesremoved: *mut u32,
                        dwmilliseconds: u32,
                        falertable: BOOL,
                    ) -> BOOL;
                    pub fn PostQueuedCompletionStatus(
                        completionport: HANDLE,
                        dwnumberofbytestransferred: u32,
                        dwcompletionkey: usize,
                        lpoverlapped: *const OVERLAPPED,
                    ) -> BOOL;
                }
            }

            pub use kernel32::{CreateIoCompletionPort, PostQueuedCompletionStatus};

            pub unsafe fn GetQueuedCompletionStatusEx(
                completionport: HANDLE,
                lpcompletionportentries: *mut OVERLAPPED_ENTRY,
                ulcount: u32,
                ulnumentriesremoved: *mut u32,
                dwmilliseconds: u32,
                falertable: BOOL,
            ) -> BOOL {
                crate::LAST_COUNT.store(ulcount, Ordering::SeqCst);
                crate::LAST_MILLIS.store(dwmilliseconds, Ordering::SeqCst);
                kernel32::GetQueuedCompletionStatusEx(
                    completionport,
                    lpcompletionportentries,
                    ulcount,
                    ulnumentriesremoved,
                    dwmilliseconds,
                    falertable,
                )
            }
        }
    }
}
