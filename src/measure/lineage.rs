//! Every process conlab starts dies with the process that started it: cells, their
//! worker processes, conlab's own server and the short probes of the sweep's header. A
//! sweep killed with `kill -9` then leaves nothing running, because the kernel delivers
//! SIGKILL to each child as its parent goes (PR_SET_PDEATHSIG), level by level.

use std::os::unix::process::CommandExt;
use std::process::Command;

/// Make the child `cmd` starts receive SIGKILL when the thread that spawned it ends: in
/// conlab that is the process's main thread or a thread that outlives the child.
pub fn die_with_parent(cmd: &mut Command) -> &mut Command {
    let parent = std::process::id() as libc::pid_t;
    // SAFETY: prctl and getppid are async-signal-safe, as code between fork and exec must be.
    unsafe {
        cmd.pre_exec(move || {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            // A parent killed between the fork and the prctl sent no signal: the child
            // would outlive it, adopted by init. It goes instead of exec'ing.
            match libc::getppid() == parent {
                true => Ok(()),
                false => Err(std::io::Error::from_raw_os_error(libc::ESRCH)),
            }
        })
    }
}
