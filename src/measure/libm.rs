//! The two libm routines conlab's code calls (`pow`, from tokio's multi-thread scheduler,
//! and `log`, from SQLite's full-text search), for `conlab-cell`, which defines them
//! itself and so does not list libm among the libraries it loads at start.
//!
//! Why: a shared library is mapped and relocated when the process starts, whether its
//! code runs or not, and libm's startup (its symbol tables and CPU-dispatch resolvers)
//! leaves some 320 KiB resident. A hand-written thread-per-task program never loads
//! libm; a tokio program does (tokio's scheduler calls `pow`). So the cell binary loads
//! it on demand, and async models ask for it before the ready mark ([`load`]): each cell
//! then carries libm exactly when a plain program of its model would.

use std::sync::OnceLock;

type Pow = unsafe extern "C" fn(f64, f64) -> f64;
type Log = unsafe extern "C" fn(f64) -> f64;

/// libm's `pow` and `log`, once loaded.
struct Routines {
    pow: Pow,
    log: Log,
}

static LIBM: OnceLock<Routines> = OnceLock::new();

/// Load libm (nothing new where it is loaded already, as in `conlab` itself).
pub fn load() {
    routines();
}

fn routines() -> &'static Routines {
    LIBM.get_or_init(|| {
        open().unwrap_or_else(|why| {
            // Only a broken C library gets here: every glibc system has libm.so.6.
            eprintln!("conlab: cannot load libm.so.6 ({why})");
            std::process::abort()
        })
    })
}

fn open() -> Result<Routines, String> {
    let symbol = |handle: *mut libc::c_void, name: &std::ffi::CStr| {
        // SAFETY: handle is a live dlopen handle and name a NUL-terminated string.
        let at = unsafe { libc::dlsym(handle, name.as_ptr()) };
        if at.is_null() {
            Err(format!("no {}", name.to_string_lossy()))
        } else {
            Ok(at)
        }
    };
    // SAFETY: dlopen with a NUL-terminated name; the handle is never closed.
    let handle = unsafe { libc::dlopen(c"libm.so.6".as_ptr(), libc::RTLD_NOW | libc::RTLD_LOCAL) };
    if handle.is_null() {
        return Err("dlopen failed".into());
    }
    let (pow, log) = (symbol(handle, c"pow")?, symbol(handle, c"log")?);
    // SAFETY: libm's pow and log have exactly these C signatures.
    Ok(unsafe {
        Routines {
            pow: std::mem::transmute::<*mut libc::c_void, Pow>(pow),
            log: std::mem::transmute::<*mut libc::c_void, Log>(log),
        }
    })
}

/// libm's `pow`.
pub fn pow(x: f64, y: f64) -> f64 {
    // SAFETY: a C function of this signature, without preconditions.
    unsafe { (routines().pow)(x, y) }
}

/// libm's `log`.
pub fn log(x: f64) -> f64 {
    // SAFETY: a C function of this signature, without preconditions.
    unsafe { (routines().log)(x) }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_loaded_routines_are_libms() {
        assert_eq!(super::pow(2.0, 10.0), 1024.0);
        assert_eq!(super::pow(9.0, 0.5), 3.0);
        assert!((super::log(std::f64::consts::E) - 1.0).abs() < 1e-15);
        assert_eq!(super::log(1.0), 0.0);
    }
}
