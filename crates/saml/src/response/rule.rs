//! The rule ids a report's checks carry: one variant per rule, written as the same snake_case ids the JSON report,
//! the UI and scripts have always matched on.

use serde::{Serialize, Serializer};

use crate::xmldsig::Stage;

/// Which rule a check evaluated. Its id ([`Rule::as_str`]) is the stable name in the JSON report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Rule {
    InternalError,
    InputSize,
    InputDecoding,
    XmlWellFormed,
    XmlNoDtd,
    XmlLimits,
    ResponseRoot,
    EncryptedAssertion,
    /// Decrypting an encrypted element (assertion, NameID, attribute) with the configured SP keys.
    Decryption,
    /// The decrypted plaintext, parsed with the same limits as the response.
    DecryptedXml,
    SingleAssertion,
    UniqueIds,
    SignaturePlacement,
    /// One stage of verifying the Response's own signature.
    ResponseSignature(Stage),
    /// One stage of verifying the Assertion's signature.
    AssertionSignature(Stage),
    SigningCertificateValidity,
    SignatureRequired,
    StatusSuccess,
    ResponseIssuer,
    AssertionIssuer,
    Destination,
    InResponseTo,
    SubjectBearer,
    SubjectRecipient,
    SubjectTime,
    SubjectInResponseTo,
    ConditionsTime,
    Audience,
    IssueInstant,
    AuthnStatement,
    NameId,
    NameIdSpQualifier,
    AttributeValues,
    Replay,
}

impl Rule {
    /// The stable snake_case id (what serde writes).
    pub fn as_str(self) -> &'static str {
        use Stage::*;
        match self {
            Rule::InternalError => "internal_error",
            Rule::InputSize => "input_size",
            Rule::InputDecoding => "input_decoding",
            Rule::XmlWellFormed => "xml_well_formed",
            Rule::XmlNoDtd => "xml_no_dtd",
            Rule::XmlLimits => "xml_limits",
            Rule::ResponseRoot => "response_root",
            Rule::EncryptedAssertion => "encrypted_assertion",
            Rule::Decryption => "decryption",
            Rule::DecryptedXml => "decrypted_xml",
            Rule::SingleAssertion => "single_assertion",
            Rule::UniqueIds => "unique_ids",
            Rule::SignaturePlacement => "signature_placement",
            Rule::ResponseSignature(s) => match s {
                Structure => "response_signature_structure",
                Reference => "response_signature_reference",
                Transforms => "response_signature_transforms",
                Algorithm => "response_signature_algorithm",
                Key => "response_signature_key",
                Digest => "response_signature_digest",
                Value => "response_signature_value",
            },
            Rule::AssertionSignature(s) => match s {
                Structure => "assertion_signature_structure",
                Reference => "assertion_signature_reference",
                Transforms => "assertion_signature_transforms",
                Algorithm => "assertion_signature_algorithm",
                Key => "assertion_signature_key",
                Digest => "assertion_signature_digest",
                Value => "assertion_signature_value",
            },
            Rule::SigningCertificateValidity => "signing_certificate_validity",
            Rule::SignatureRequired => "signature_required",
            Rule::StatusSuccess => "status_success",
            Rule::ResponseIssuer => "response_issuer",
            Rule::AssertionIssuer => "assertion_issuer",
            Rule::Destination => "destination",
            Rule::InResponseTo => "in_response_to",
            Rule::SubjectBearer => "subject_bearer",
            Rule::SubjectRecipient => "subject_recipient",
            Rule::SubjectTime => "subject_time",
            Rule::SubjectInResponseTo => "subject_in_response_to",
            Rule::ConditionsTime => "conditions_time",
            Rule::Audience => "audience",
            Rule::IssueInstant => "issue_instant",
            Rule::AuthnStatement => "authn_statement",
            Rule::NameId => "name_id",
            Rule::NameIdSpQualifier => "name_id_sp_qualifier",
            Rule::AttributeValues => "attribute_values",
            Rule::Replay => "replay",
        }
    }
}

impl std::fmt::Display for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Rule {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// Whether the response was taken before (rule 22): only a caller with memory of earlier responses can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Replay {
    /// No replay memory was asked (an offline check).
    NotEvaluated,
    NotReplayed,
    Replayed,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_the_snake_case_names_and_serialise_as_such() {
        assert_eq!(
            Rule::AssertionSignature(Stage::Key).as_str(),
            "assertion_signature_key"
        );
        assert_eq!(
            serde_json::to_value(Rule::ResponseSignature(Stage::Value)).unwrap(),
            "response_signature_value"
        );
        assert_eq!(
            serde_json::to_value(Rule::InResponseTo).unwrap(),
            "in_response_to"
        );
        for stage in Stage::ALL {
            assert_eq!(
                Rule::ResponseSignature(stage).as_str(),
                format!("response_signature_{}", stage.name())
            );
            assert_eq!(
                Rule::AssertionSignature(stage).as_str(),
                format!("assertion_signature_{}", stage.name())
            );
        }
        assert_eq!(
            serde_json::to_value(Replay::NotEvaluated).unwrap(),
            "not_evaluated"
        );
    }
}
