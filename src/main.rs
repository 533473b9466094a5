fn main() -> std::process::ExitCode {
    fgc::cli::main()
}
