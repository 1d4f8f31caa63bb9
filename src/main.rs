//! The `pakta` binary: parses the command line and runs one command.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
