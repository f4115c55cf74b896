//! The `organ-twin` command: parse the arguments, run, map errors to exit codes.

fn main() -> std::process::ExitCode {
    organ_twin::cli::main()
}
