//! The cell binary's own code pages, let go of at the ready mark.
//!
//! A cell's peak RSS counts every page of its executable that is mapped, and the kernel
//! maps file pages around each one touched (64 KiB at a time). `conlab-cell` holds every
//! workload, model and the report code, about 3 MiB of text; reading the spec and setting
//! up touch some 1.3 MiB of it, where a hand-written program of the same shape has
//! 0.2 MiB. That difference is the harness's, not the model's, and at 1,000 threads it is
//! a tenth of the process. So at the ready mark the cell drops its own executable's
//! read-only pages from its page tables (`madvise(MADV_DONTNEED)`): they stay in the page
//! cache, and whatever the work runs maps back in on its first use, as the work of a
//! hand-written program would. Shared libraries (libc) are left alone: a hand-written
//! program has them too. Writable and relocated (RELRO) pages are never touched, since
//! dropping them would lose their contents.
//!
//! What conlab itself runs during the work (the models' spawn loops, the sleep task, the
//! recorder, the reads of `procfs::Own`) is placed in one section,
//! `#[link_section = ".text.hot.conlab"]`, which build.rs has the linker keep apart at the
//! end of the code, beside the PLT that every libc call goes through: a few 64 KiB
//! windows fewer than when those functions lie scattered among the rest.

use std::ffi::c_void;
use std::sync::OnceLock;

/// The page ranges to drop, worked out once from the program headers by [`prepare`].
static RANGES: OnceLock<Vec<(usize, usize)>> = OnceLock::new();

/// Work out which of the executable's pages [`forget_own_code`] drops. Call it before the
/// ready mark: reading the program headers after the drop would map their pages back.
pub fn prepare() {
    RANGES.get_or_init(|| {
        let mut ranges = Vec::new();
        // SAFETY: the callback only reads the program headers dl_iterate_phdr hands it,
        // for the duration of the call, and writes into the Vec passed as its data.
        unsafe {
            libc::dl_iterate_phdr(Some(executable), (&raw mut ranges).cast());
        }
        ranges
    });
}

/// Drop the executable's read-only pages from this process's page tables. Only system
/// calls run between the first drop and the return, so the drop maps back nothing but
/// the caller's own code (inlined into it, as it is into [`crate::model::run::CellRun`]).
/// Does nothing where the program headers cannot be read.
#[inline(always)]
pub fn forget_own_code() {
    prepare();
    if let Some(ranges) = RANGES.get() {
        for &(start, end) in ranges {
            // SAFETY: the range lies inside a read-only, file-backed segment of this
            // executable; dropping its pages only makes the next access fault them in
            // again from the page cache.
            unsafe {
                libc::madvise(start as *mut c_void, end - start, libc::MADV_DONTNEED);
            }
        }
    }
}

/// The callback for the first object `dl_iterate_phdr` reports, the executable: collect
/// each read-only segment into the Vec at `data`, page-aligned inwards so no page shared
/// with a writable segment or the RELRO range is dropped. Returns 1 to stop after it.
unsafe extern "C" fn executable(info: *mut libc::dl_phdr_info, _size: usize, data: *mut c_void) -> libc::c_int {
    // SAFETY: dl_iterate_phdr passes a valid info whose dlpi_phdr holds dlpi_phnum
    // headers, and `prepare` passes its Vec as data.
    let (base, headers, ranges) = unsafe {
        let info = &*info;
        (
            info.dlpi_addr as usize,
            std::slice::from_raw_parts(info.dlpi_phdr, info.dlpi_phnum as usize),
            &mut *data.cast::<Vec<(usize, usize)>>(),
        )
    };
    let page = page_size();
    let kept: Vec<(usize, usize)> = headers
        .iter()
        .filter(|h| h.p_type == libc::PT_GNU_RELRO || (h.p_type == libc::PT_LOAD && h.p_flags & libc::PF_W != 0))
        .map(|h| (base + h.p_vaddr as usize, base + (h.p_vaddr + h.p_memsz) as usize))
        .collect();
    for h in headers
        .iter()
        .filter(|h| h.p_type == libc::PT_LOAD && h.p_flags & libc::PF_W == 0)
    {
        let start = (base + h.p_vaddr as usize).next_multiple_of(page);
        let mut end = (base + (h.p_vaddr + h.p_memsz) as usize) / page * page;
        for &(lo, hi) in &kept {
            if lo < end && hi > start {
                end = end.min(lo / page * page);
            }
        }
        if end > start {
            ranges.push((start, end));
        }
    }
    1
}

fn page_size() -> usize {
    // SAFETY: sysconf has no preconditions.
    match unsafe { libc::sysconf(libc::_SC_PAGESIZE) } {
        n if n > 0 => n as usize,
        _ => 4096,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn own_file_rss_kib() -> u64 {
        let status = std::fs::read_to_string("/proc/self/status").unwrap();
        let line = status.lines().find(|l| l.starts_with("RssFile:")).unwrap();
        line.split_whitespace().nth(1).unwrap().parse().unwrap()
    }

    #[test]
    fn dropped_code_pages_come_back_when_run() {
        let before = own_file_rss_kib();
        forget_own_code();
        let after = own_file_rss_kib();
        // The test binary keeps running (this code faulted back in), and it let go of
        // some of its pages; libc's stay.
        assert!(after < before, "file RSS {before} KiB -> {after} KiB");
        assert!(after > 0);
        let v: Vec<u64> = (0..1000).map(|i| i * 3).collect();
        assert_eq!(v.iter().sum::<u64>(), 1_498_500);
    }
}
