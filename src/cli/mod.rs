pub mod ask;
