//! Whose fault a failed cluster call is: the cluster's, when it cannot be reached or cannot
//! serve right now, or the request's, about the store it names. Jobs wait out the first
//! without spending attempts; only the second counts against a store. Pure, tested below.

/// What a failed cluster call says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// No answer from the API server (connection refused or reset, a timeout), or an answer
    /// that it cannot serve now (5xx, 429 throttling): nothing about the store.
    Unreachable,
    /// Refused for what the request says (bad request, forbidden, invalid, immutable field):
    /// the same request will be refused again.
    Refused,
    /// About the store, and worth another attempt: a conflict, an answer that could not be
    /// read.
    Transient,
}

/// Classifies a failed call of the `kube` client.
pub fn classify(error: &kube::Error) -> Fault {
    match error {
        kube::Error::Api(status) => classify_status(status.code),
        // The transport failed: the request got no answer from the API server.
        kube::Error::HyperError(_) | kube::Error::Service(_) | kube::Error::ReadEvents(_) => {
            Fault::Unreachable
        }
        _ => Fault::Transient,
    }
}

/// Classifies an error answer by its HTTP status code.
pub fn classify_status(code: u16) -> Fault {
    match code {
        409 => Fault::Transient,
        429 => Fault::Unreachable,
        400..=499 => Fault::Refused,
        500..=599 => Fault::Unreachable,
        _ => Fault::Transient,
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Error as IoError, ErrorKind};

    use super::*;

    fn answered(code: u16) -> kube::Error {
        kube::Error::Api(
            kube::core::Status::failure("refused", "Reason")
                .with_code(code)
                .boxed(),
        )
    }

    fn transport(kind: ErrorKind) -> kube::Error {
        kube::Error::Service(Box::new(IoError::from(kind)))
    }

    #[test]
    fn no_answer_is_an_outage() {
        for kind in [
            ErrorKind::ConnectionRefused,
            ErrorKind::ConnectionReset,
            ErrorKind::TimedOut,
        ] {
            assert_eq!(classify(&transport(kind)), Fault::Unreachable, "{kind:?}");
        }
        assert_eq!(
            classify(&kube::Error::ReadEvents(IoError::from(
                ErrorKind::UnexpectedEof
            ))),
            Fault::Unreachable
        );
    }

    #[test]
    fn a_server_that_cannot_serve_now_is_an_outage() {
        for code in [500, 502, 503, 504, 429] {
            assert_eq!(classify(&answered(code)), Fault::Unreachable, "{code}");
        }
    }

    #[test]
    fn refusals_of_the_request_are_the_stores() {
        for code in [400, 403, 404, 422] {
            assert_eq!(classify(&answered(code)), Fault::Refused, "{code}");
        }
        assert_eq!(classify(&answered(409)), Fault::Transient);
    }

    #[test]
    fn an_unreadable_answer_is_worth_another_attempt() {
        let unreadable = serde_json::from_str::<u8>("x").unwrap_err();
        assert_eq!(
            classify(&kube::Error::SerdeError(unreadable)),
            Fault::Transient
        );
    }
}
