//! The closed vocabularies of the CRM. Each is stored as its text code in both databases
//! (checked by a `CHECK` constraint) and travels as that code in JSON and forms.

use std::fmt;

/// A text that is not one of an enum's codes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("“{value}” is not a valid {kind}")]
pub struct UnknownCode {
    pub kind: &'static str,
    pub value: String,
}

macro_rules! text_enum {
    (
        $(#[$meta:meta])*
        $name:ident as $kind:literal {
            $( $(#[$vmeta:meta])* $variant:ident = $code:literal, $label:literal; )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        pub enum $name {
            $( $(#[$vmeta])* #[serde(rename = $code)] $variant, )+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The code stored in the database and sent over the wire.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code,)+ }
            }

            /// The wording shown to people.
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label,)+ }
            }

            /// The value whose code or label is `text`, ignoring case (as people type it
            /// in a spreadsheet: "Fine Dining" or "fine_dining").
            pub fn from_code_or_label(text: &str) -> Option<Self> {
                let text = text.trim();
                Self::ALL
                    .iter()
                    .copied()
                    .find(|v| v.code().eq_ignore_ascii_case(text) || v.label().eq_ignore_ascii_case(text))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.label())
            }
        }

        impl std::str::FromStr for $name {
            type Err = UnknownCode;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($code => Ok($name::$variant),)+
                    _ => Err(UnknownCode { kind: $kind, value: s.to_owned() }),
                }
            }
        }

        #[cfg(feature = "ssr")]
        impl<DB: sqlx::Database> sqlx::Type<DB> for $name
        where
            str: sqlx::Type<DB>,
        {
            fn type_info() -> DB::TypeInfo {
                <str as sqlx::Type<DB>>::type_info()
            }
            fn compatible(ty: &DB::TypeInfo) -> bool {
                <str as sqlx::Type<DB>>::compatible(ty)
            }
        }

        #[cfg(feature = "ssr")]
        impl<'r, DB: sqlx::Database> sqlx::Decode<'r, DB> for $name
        where
            &'r str: sqlx::Decode<'r, DB>,
        {
            fn decode(value: DB::ValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
                let code = <&'r str as sqlx::Decode<'r, DB>>::decode(value)?;
                Ok(code.parse::<$name>()?)
            }
        }
    };
}

text_enum! {
    /// How important an account is: A is the most important.
    #[derive(Default)]
    Priority as "priority" {
        A = "A", "A";
        B = "B", "B";
        #[default]
        C = "C", "C";
        D = "D", "D";
    }
}

text_enum! {
    /// The food-service segment an organization belongs to.
    Segment as "segment" {
        FineDining = "fine_dining", "Fine Dining";
        FastFood = "fast_food", "Fast Food";
        Healthcare = "healthcare", "Healthcare";
        Education = "education", "Education";
        CorporateCatering = "corporate_catering", "Corporate Catering";
        Hospitality = "hospitality", "Hospitality";
        CasualDining = "casual_dining", "Casual Dining";
        Institutional = "institutional", "Institutional";
        Other = "other", "Other";
    }
}

text_enum! {
    /// The relationship the organization has with us.
    #[derive(Default)]
    OrganizationKind as "organization kind" {
        #[default]
        Prospect = "prospect", "Prospect";
        Customer = "customer", "Customer";
        Distributor = "distributor", "Distributor";
        Principal = "principal", "Principal";
    }
}

text_enum! {
    /// What a user may see and do (the roles table in docs/domain).
    Role as "role" {
        Admin = "admin", "Admin";
        Manager = "manager", "Manager";
        SalesRep = "sales_rep", "Sales rep";
        ReadOnly = "read_only", "Read only";
    }
}

text_enum! {
    /// A contact's job in the kitchen or the business.
    Position as "position" {
        ExecutiveChef = "executive_chef", "Executive Chef";
        Chef = "chef", "Chef";
        Buyer = "buyer", "Buyer";
        Owner = "owner", "Owner";
        GeneralManager = "general_manager", "General Manager";
        KitchenManager = "kitchen_manager", "Kitchen Manager";
        FoodBeverageDirector = "food_beverage_director", "Food & Beverage Director";
        PurchasingManager = "purchasing_manager", "Purchasing Manager";
        Other = "other", "Other";
    }
}

text_enum! {
    /// How a contact prefers to be reached.
    ContactMethod as "contact method" {
        Email = "email", "Email";
        Phone = "phone", "Phone";
        Text = "text", "Text message";
        InPerson = "in_person", "In person";
    }
}

text_enum! {
    /// What kind of touch point an interaction was.
    InteractionKind as "interaction kind" {
        Visit = "visit", "Visit";
        Call = "call", "Call";
        Email = "email", "Email";
        Meeting = "meeting", "Meeting";
        Demo = "demo", "Demo";
        Tasting = "tasting", "Tasting";
        Proposal = "proposal", "Proposal";
        FollowUp = "follow_up", "Follow-up";
    }
}

text_enum! {
    /// How an interaction went.
    Outcome as "outcome" {
        Positive = "positive", "Positive";
        Neutral = "neutral", "Neutral";
        Negative = "negative", "Negative";
        FollowUpNeeded = "follow_up_needed", "Follow-up needed";
        OrderPlaced = "order_placed", "Order placed";
        NoInterest = "no_interest", "No interest";
    }
}

text_enum! {
    /// Where a deal stands. The two closed stages end a deal.
    Stage as "stage" {
        Prospecting = "prospecting", "Prospecting";
        Qualification = "qualification", "Qualification";
        Proposal = "proposal", "Proposal";
        Negotiation = "negotiation", "Negotiation";
        ClosedWon = "closed_won", "Closed won";
        ClosedLost = "closed_lost", "Closed lost";
    }
}

impl Stage {
    /// The probability a deal gets when it enters this stage.
    pub fn default_probability(self) -> i32 {
        match self {
            Stage::Prospecting => 10,
            Stage::Qualification => 25,
            Stage::Proposal => 50,
            Stage::Negotiation => 75,
            Stage::ClosedWon => 100,
            Stage::ClosedLost => 0,
        }
    }

    pub fn is_closed(self) -> bool {
        matches!(self, Stage::ClosedWon | Stage::ClosedLost)
    }
}

text_enum! {
    /// Why a deal was closed; the first five are reasons for a win, the rest for a loss.
    CloseReason as "close reason" {
        Relationship = "relationship", "Relationship";
        ProductQuality = "product_quality", "Product quality";
        Price = "price", "Price";
        Timing = "timing", "Timing";
        Other = "other", "Other";
        PriceTooHigh = "price_too_high", "Price too high";
        Competitor = "competitor", "Competitor";
        ProductFit = "product_fit", "Product fit";
        NoResponse = "no_response", "No response";
    }
}

impl CloseReason {
    /// Whether this reason may explain closing a deal in `stage`.
    pub fn fits(self, stage: Stage) -> bool {
        use CloseReason::*;
        match stage {
            Stage::ClosedWon => matches!(self, Relationship | ProductQuality | Price | Timing | Other),
            Stage::ClosedLost => matches!(self, PriceTooHigh | Competitor | ProductFit | Timing | NoResponse | Other),
            _ => false,
        }
    }
}

text_enum! {
    /// What a change did to a record, as kept in the audit log.
    AuditAction as "audit action" {
        Create = "create", "Created";
        Update = "update", "Updated";
        Delete = "delete", "Deleted";
        Restore = "restore", "Restored";
    }
}

text_enum! {
    /// Where a CSV import stands. A running import whose heartbeat stopped reads as
    /// interrupted (see `model::import`).
    ImportStatus as "import status" {
        /// The file could not be read; nothing was imported.
        Rejected = "rejected", "Rejected";
        /// Read and checked, waiting for the user to start it.
        Ready = "ready", "Ready to import";
        Running = "running", "Importing";
        Done = "done", "Imported";
        /// Stopped by an error part-way; the rows before it were imported, the rest can be resumed.
        Failed = "failed", "Stopped";
    }
}

text_enum! {
    /// What an import does with a row that matches an existing organization.
    OnDuplicate as "duplicate choice" {
        Skip = "skip", "Skip it";
        Update = "update", "Update the existing organization";
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_through_from_str_and_serde() {
        for segment in Segment::ALL {
            assert_eq!(segment.code().parse::<Segment>(), Ok(*segment));
            let json = serde_json::to_string(segment).unwrap();
            assert_eq!(json, format!("\"{}\"", segment.code()));
            assert_eq!(serde_json::from_str::<Segment>(&json).unwrap(), *segment);
        }
    }

    #[test]
    fn unknown_code_names_the_kind_and_value() {
        let err = "Z".parse::<Priority>().unwrap_err();
        assert_eq!(err.to_string(), "“Z” is not a valid priority");
    }

    #[test]
    fn stage_probabilities_follow_the_domain_defaults() {
        let defaults: Vec<i32> = Stage::ALL.iter().map(|s| s.default_probability()).collect();
        assert_eq!(defaults, vec![10, 25, 50, 75, 100, 0]);
    }

    #[test]
    fn close_reasons_fit_only_their_side() {
        assert!(CloseReason::Relationship.fits(Stage::ClosedWon));
        assert!(!CloseReason::Relationship.fits(Stage::ClosedLost));
        assert!(CloseReason::Competitor.fits(Stage::ClosedLost));
        assert!(!CloseReason::Competitor.fits(Stage::ClosedWon));
        assert!(CloseReason::Timing.fits(Stage::ClosedWon) && CloseReason::Timing.fits(Stage::ClosedLost));
        assert!(!CloseReason::Other.fits(Stage::Negotiation));
    }

    #[test]
    fn priorities_sort_most_important_first() {
        let mut p = vec![Priority::C, Priority::A, Priority::D, Priority::B];
        p.sort();
        assert_eq!(p, vec![Priority::A, Priority::B, Priority::C, Priority::D]);
    }
}
