// mimalloc: `fgc check` builds a tree of a few hundred thousand small nodes on large configs,
// and the system allocator's time (and page faults) showed up as a fifth of the run.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    fgc::cli::main()
}
