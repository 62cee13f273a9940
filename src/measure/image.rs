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
//! The kernel maps back a 64 KiB window around each page touched, so where the work's
//! code lies decides how much comes back. conlab-cell is linked with
//! src/bin/conlab-cell.ld, which gathers the functions that run during a cell's work
//! (conlab's own, marked `#[link_section = ".text.hot.conlab"]`, and those of std and
//! tokio they call, found by running each model under callgrind:
//! `scripts/cell-order.py`) in one section ahead of the rest of the code, and the
//! constants and jump tables they read in another. A few pages are kept mapped across the
//! drop instead ([`KEPT_SECTIONS`]): the work reads a few bytes of them, and dropping
//! them would bring back a whole window for each.

use std::ffi::c_void;
use std::sync::OnceLock;

/// The page ranges to drop, and the pages to keep mapped, worked out once by [`prepare`].
static PLAN: OnceLock<Plan> = OnceLock::new();

#[derive(Default)]
struct Plan {
    drop: Vec<(usize, usize)>,
    keep: Vec<(usize, usize)>,
    page: usize,
}

/// Sections whose pages stay mapped across the drop, because the work reads a few bytes
/// of them and the kernel would map a whole 64 KiB window back for each: the tables the
/// dynamic linker searches when std looks up a symbol at the first thread spawn, and the
/// constants and jump tables of the work's code, which src/bin/conlab-cell.ld gathers.
const KEPT_SECTIONS: [&str; 7] = [
    ".gnu.hash",
    ".hash",
    ".dynsym",
    ".dynstr",
    ".gnu.version",
    ".gnu.version_r",
    ".rodata.conlab.work",
];

/// Work out which of the executable's pages [`forget_own_code`] drops and keeps. Call it
/// before the ready mark: reading the program headers after the drop would map their
/// pages back.
pub fn prepare() {
    PLAN.get_or_init(|| {
        let mut image = Image::default();
        // SAFETY: the callback only reads the program headers dl_iterate_phdr hands it,
        // for the duration of the call, and writes into the Image passed as its data.
        unsafe {
            libc::dl_iterate_phdr(Some(executable), (&raw mut image).cast());
        }
        let page = page_size();
        let keep: Vec<(usize, usize)> = section_ranges("/proc/self/exe".as_ref(), &KEPT_SECTIONS)
            .into_iter()
            .map(|(lo, hi)| (image.base + lo / page * page, image.base + hi.next_multiple_of(page)))
            .collect();
        let drop = image.read_only.iter().flat_map(|&r| subtract(r, &keep)).collect();
        Plan { drop, keep, page }
    });
}

/// Drop the executable's read-only pages from this process's page tables, all but those
/// of [`KEPT_SECTIONS`], which are mapped first. Only system calls run between the first
/// drop and the return, so the drop maps back nothing but the caller's own code (inlined
/// into it, as it is into [`crate::model::run::CellRun`]). Does nothing where the
/// program headers cannot be read.
#[inline(always)]
pub fn forget_own_code() {
    prepare();
    let Some(plan) = PLAN.get() else { return };
    for &(start, end) in &plan.keep {
        for at in (start..end).step_by(plan.page) {
            // SAFETY: the page lies inside a mapped, readable segment of this executable.
            unsafe { std::ptr::read_volatile(at as *const u8) };
        }
    }
    for &(start, end) in &plan.drop {
        // SAFETY: the range lies inside a read-only, file-backed segment of this
        // executable; dropping its pages only makes the next access fault them in again
        // from the page cache.
        unsafe {
            libc::madvise(start as *mut c_void, end - start, libc::MADV_DONTNEED);
        }
    }
}

/// What [`executable`] gathers from the program headers.
#[derive(Default)]
struct Image {
    base: usize,
    read_only: Vec<(usize, usize)>,
}

/// `range` less the parts of it inside any of `holes`.
fn subtract(range: (usize, usize), holes: &[(usize, usize)]) -> Vec<(usize, usize)> {
    let mut parts = vec![range];
    for &(lo, hi) in holes {
        parts = parts
            .into_iter()
            .flat_map(|(a, b)| [(a, b.min(lo)), (a.max(hi), b)])
            .filter(|(a, b)| a < b)
            .collect();
    }
    parts
}

/// The callback for the first object `dl_iterate_phdr` reports, the executable: collect
/// each read-only segment into the Image at `data`, page-aligned inwards so no page
/// shared with a writable segment or the RELRO range is dropped. Returns 1 to stop after it.
unsafe extern "C" fn executable(info: *mut libc::dl_phdr_info, _size: usize, data: *mut c_void) -> libc::c_int {
    // SAFETY: dl_iterate_phdr passes a valid info whose dlpi_phdr holds dlpi_phnum
    // headers, and `prepare` passes its Image as data.
    let (base, headers, image) = unsafe {
        let info = &*info;
        (
            info.dlpi_addr as usize,
            std::slice::from_raw_parts(info.dlpi_phdr, info.dlpi_phnum as usize),
            &mut *data.cast::<Image>(),
        )
    };
    image.base = base;
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
            image.read_only.push((start, end));
        }
    }
    1
}

/// The link-time address ranges of the sections with the given names in the ELF file at
/// `path`, in the order the file lists them, read from its section headers (which a
/// running program does not have mapped). Empty when the file cannot be read as a 64-bit
/// ELF file.
pub fn section_ranges(path: &std::path::Path, names: &[&str]) -> Vec<(usize, usize)> {
    use std::io::{Read, Seek, SeekFrom};
    let read = || -> std::io::Result<Vec<(usize, usize)>> {
        let mut file = std::fs::File::open(path)?;
        let mut header = [0u8; 64];
        file.read_exact(&mut header)?;
        if header[..5] != *b"\x7fELF\x02" {
            return Ok(Vec::new());
        }
        let word = |b: &[u8], at: usize| u64::from_le_bytes(b[at..at + 8].try_into().unwrap()) as usize;
        let half = |b: &[u8], at: usize| u16::from_le_bytes(b[at..at + 2].try_into().unwrap()) as usize;
        let (offset, size, count, names_at) = (
            word(&header, 0x28),
            half(&header, 0x3a),
            half(&header, 0x3c),
            half(&header, 0x3e),
        );
        let mut table = vec![0u8; size * count];
        file.seek(SeekFrom::Start(offset as u64))?;
        file.read_exact(&mut table)?;
        let entry = |i: usize| &table[i * size..(i + 1) * size];
        let Some(strings) = (names_at < count).then(|| entry(names_at)) else {
            return Ok(Vec::new());
        };
        let mut text = vec![0u8; word(strings, 0x20)];
        file.seek(SeekFrom::Start(word(strings, 0x18) as u64))?;
        file.read_exact(&mut text)?;
        Ok((0..count)
            .map(entry)
            .filter(|s| {
                let at = u32::from_le_bytes(s[..4].try_into().unwrap()) as usize;
                let name = text
                    .get(at..)
                    .and_then(|t| t.split(|&b| b == 0).next())
                    .unwrap_or_default();
                names.iter().any(|n| n.as_bytes() == name)
            })
            .map(|s| (word(s, 0x10), word(s, 0x10) + word(s, 0x20)))
            .filter(|&(lo, hi)| lo > 0 && hi > lo)
            .collect())
    };
    read().unwrap_or_default()
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
    fn a_range_less_its_holes() {
        assert_eq!(
            subtract((0, 100), &[(10, 20), (50, 60)]),
            vec![(0, 10), (20, 50), (60, 100)]
        );
        assert_eq!(subtract((0, 100), &[(0, 100)]), vec![]);
        assert_eq!(subtract((10, 20), &[(0, 5), (30, 40)]), vec![(10, 20)]);
        assert_eq!(subtract((10, 20), &[(15, 40)]), vec![(10, 15)]);
    }

    #[test]
    fn finds_its_own_sections_in_its_file() {
        let ranges = section_ranges("/proc/self/exe".as_ref(), &[".text", ".dynstr", ".no-such-section"]);
        assert_eq!(ranges.len(), 2, "{ranges:?}");
        assert!(ranges.iter().all(|&(lo, hi)| lo < hi));
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
