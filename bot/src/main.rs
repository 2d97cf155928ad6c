//! The `arbot` command. Everything lives in the library; see `arbot --help`.

fn main() -> std::process::ExitCode {
    arbot::cli::main()
}
