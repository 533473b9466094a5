//! `fgc schema`: print the JSON Schema of flowgate.yaml (or, with `--litellm`, of a plain
//! LiteLLM config.yaml).

use crate::commands::exit;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print the schema of a plain LiteLLM config.yaml (`litellm --config`) instead.
    #[arg(long)]
    pub litellm: bool,
}

pub fn run(args: Args) -> u8 {
    if args.litellm {
        print!("{}", crate::schema::litellm_schema_text());
    } else {
        print!("{}", crate::schema::schema_text());
    }
    exit::OK
}
