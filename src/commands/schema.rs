//! `fgc schema`: print the JSON Schema of flowgate.yaml.

use crate::commands::exit;

#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: Args) -> u8 {
    print!("{}", crate::schema::schema_text());
    exit::OK
}
