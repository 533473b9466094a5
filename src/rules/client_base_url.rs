//! ## What it does
//! Reports a base URL for opencode, Qwen Code, Aider or the Continue CLI
//! (`integration.<client>.base_url`) that breaks the client's path rule: the OpenAI-protocol
//! clients (opencode, Aider, Continue, Qwen Code with `protocol: openai`) need the gateway
//! root plus `/v1`; Qwen Code with `protocol: anthropic` needs the root, without `/v1`.
//!
//! ## Why it matters
//! Each client appends its own path to the base URL: opencode, Aider, Continue and Qwen Code
//! (OpenAI) post to `{base}/chat/completions`, Qwen Code (Anthropic) to `{base}/v1/messages`.
//! With the other form the requests go to `/chat/completions` or `/v1/v1/messages`, which
//! LiteLLM and `fgc serve` answer with 404, and the client reports a failed turn.
//!
//! ## Example
//! ```yaml
//! integration:
//!   opencode:
//!     base_url: http://127.0.0.1:4000
//!   qwen_code:
//!     protocol: anthropic
//!     base_url: http://127.0.0.1:4000/v1
//! ```
//!
//! ## How to fix
//! Write the form the client needs (`http://127.0.0.1:4000/v1` for opencode,
//! `http://127.0.0.1:4000` for Qwen Code in Anthropic mode), or leave `base_url` out and fgc
//! derives it from the gateway root.

use super::Ctx;
use crate::diag::{Code, Diagnostic};
use crate::model::raw::QwenProtocol;
use crate::span::Sp;

pub fn check(cx: &mut Ctx) {
    let Some(int) = cx.model.raw.integration.as_ref() else {
        return;
    };
    let qwen_anthropic = int
        .qwen_code
        .as_ref()
        .and_then(|q| q.protocol.as_ref())
        .is_some_and(|p| p.value == QwenProtocol::Anthropic);
    let urls: [(&str, Option<&Sp<String>>, bool, &str); 4] = [
        (
            "opencode",
            int.opencode.as_ref().and_then(|c| c.base_url.as_ref()),
            true,
            "{base}/chat/completions",
        ),
        (
            "Qwen Code",
            int.qwen_code.as_ref().and_then(|c| c.base_url.as_ref()),
            !qwen_anthropic,
            if qwen_anthropic {
                "{base}/v1/messages"
            } else {
                "{base}/chat/completions"
            },
        ),
        (
            "Aider",
            int.aider.as_ref().and_then(|c| c.base_url.as_ref()),
            true,
            "{base}/chat/completions",
        ),
        (
            "Continue",
            int.continue_cli.as_ref().and_then(|c| c.base_url.as_ref()),
            true,
            "{base}/chat/completions",
        ),
    ];
    for (client, url, wants_v1, posts) in urls {
        let Some(url) = url else {
            continue;
        };
        let trimmed = url.as_str().trim_end_matches('/');
        let has_v1 = trimmed.ends_with("/v1");
        if has_v1 == wants_v1 {
            continue;
        }
        let (what, fix) = if wants_v1 {
            ("does not end in /v1", format!("use {trimmed}/v1"))
        } else {
            (
                "ends in /v1",
                format!("use the gateway root: {}", trimmed.trim_end_matches("/v1")),
            )
        };
        cx.report(
            Diagnostic::new(
                Code::ClientBaseUrl,
                format!("{client} base URL `{url}` {what}"),
            )
            .primary(
                url.span,
                format!("{client} posts {posts}: this path is a 404"),
            )
            .help(fix),
        );
    }
}
