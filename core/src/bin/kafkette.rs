//! The `kafkette` command line.
fn main() {
    eprintln!("kafkette: no commands yet");
    std::process::exit(2);
}
