//! The `fhe-nit` command line.

fn main() {
    println!("fhe-nit");
}
