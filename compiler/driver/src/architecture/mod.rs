//! Architecture descriptions for `tmlc fit`: the JSON schema of the MCUNet / MobileNetV2 family
//! (`schema`) and its construction as tinyml IR with synthetic weights (`build`).

pub mod build;
pub mod schema;
