//! The wizard as a model: steps, what each needs, which steps unlock which.

pub mod view;
