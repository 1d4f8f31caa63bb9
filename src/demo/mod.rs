//! The demo kabupaten: a fictional regional government loaded into a fresh registry so
//! a person can click through every screen. [`kabupaten`] generates the people;
//! [`load`] plays a realistic pledge season through the real application.

pub mod kabupaten;
pub mod load;
