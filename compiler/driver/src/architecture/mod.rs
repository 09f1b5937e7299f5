//! Architecture descriptions for `tmlc fit`: the JSON schema of the MCUNet / MobileNetV2 family
//! (`schema`, with `locate` to point errors at the JSON), its construction as tinyml IR with synthetic weights (`build`) and the search
//! space sampled by `tmlc fit --space` (`space`).

pub mod build;
pub mod locate;
pub mod schema;
pub mod space;
