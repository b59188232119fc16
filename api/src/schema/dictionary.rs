//! NCT's dictionaries and attribute schema for card editors: `dictionarySearch` backs the OKTRU, TN VED,
//! country and measure pickers, `cardAttributes` tells an editor which attributes a category has and which
//! input each needs. Both read the per-NCT cache of `infra::card_schema` with the tenant's key.

use super::{state, tenant};
use crate::error::ApiError;
use async_graphql::{Context, Enum, Object, SimpleObject};
use domain::card::{AttributeDef, AttributeGroup, DataType};
use domain::tenant::Permission;
use infra::card_schema::{CardSchemaCache, DictionaryEntry as InfraEntry};
use secrecy::SecretString;

/// Most entries one `dictionarySearch` returns.
const MAX_HITS: i32 = 100;

/// The dictionaries a card refers to.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum DictionaryName {
    /// OKTRU product categories (cards take leaf codes).
    Oktru,
    /// TN VED (HS) codes, 10 digits.
    Tnved,
    /// Countries (ISO alpha-2).
    Country,
    /// Measure units (MKEI codes).
    Measure,
}

impl DictionaryName {
    fn code(self) -> &'static str {
        match self {
            Self::Oktru => "OKTRU",
            Self::Tnved => "TNVED",
            Self::Country => "COUNTRY",
            Self::Measure => "MEASURE",
        }
    }
}

/// One dictionary entry.
#[derive(SimpleObject)]
pub struct DictionaryEntry {
    /// The code to store on the card.
    pub code: String,
    /// Russian name.
    pub name_ru: String,
    /// Kazakh name.
    pub name_kk: String,
    /// Has no children (only leaf OKTRU categories take cards).
    pub is_leaf: bool,
}

impl From<InfraEntry> for DictionaryEntry {
    fn from(e: InfraEntry) -> Self {
        Self { code: e.code, name_ru: e.name_ru, name_kk: e.name_kk, is_leaf: e.is_leaf }
    }
}

/// The value type of an attribute: which input it needs.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum AttributeDataType {
    /// One line of text.
    String,
    /// Long text.
    Text,
    /// A decimal number with a dot.
    Number,
    /// `true` or `false`.
    Boolean,
    /// One code of `dictionary`.
    Dictionary,
    /// Several codes of `dictionary`, joined with `@`.
    MultiDictionary,
    /// A date.
    Date,
}

impl From<DataType> for AttributeDataType {
    fn from(d: DataType) -> Self {
        match d {
            DataType::String => Self::String,
            DataType::Text => Self::Text,
            DataType::Number => Self::Number,
            DataType::Boolean => Self::Boolean,
            DataType::Dictionary => Self::Dictionary,
            DataType::MultiDictionary => Self::MultiDictionary,
            DataType::Date => Self::Date,
        }
    }
}

/// Where an attribute goes in `updateCard`.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum AttributeGroupName {
    /// `attributes`.
    Base,
    /// `mainExtended`.
    MainExtended,
    /// `additionalExtended`.
    AdditionalExtended,
}

/// One attribute a card of the category can carry.
#[derive(SimpleObject)]
pub struct AttributeDefinition {
    /// Attribute code.
    pub code: String,
    /// Russian name.
    pub name_ru: String,
    /// Value type.
    pub data_type: AttributeDataType,
    /// NCT requires it.
    pub required: bool,
    /// Longest value in characters.
    pub max_length: Option<u32>,
    /// Smallest number.
    pub min_value: Option<f64>,
    /// Largest number.
    pub max_value: Option<f64>,
    /// The dictionary of a dictionary attribute (`COUNTRY`, `MEASURE`…).
    pub dictionary: Option<String>,
    /// Where it goes in `updateCard`.
    pub group: AttributeGroupName,
    /// Parts of a compound attribute.
    pub parts: Vec<AttributeDefinition>,
}

impl From<&AttributeDef> for AttributeDefinition {
    fn from(d: &AttributeDef) -> Self {
        Self {
            code: d.code.clone(),
            name_ru: d.name_ru.clone(),
            data_type: d.data_type.into(),
            required: d.required,
            max_length: d.max_length,
            min_value: d.min_value,
            max_value: d.max_value,
            dictionary: d.dictionary_code.clone(),
            group: match d.group {
                AttributeGroup::Base => AttributeGroupName::Base,
                AttributeGroup::MainExtended => AttributeGroupName::MainExtended,
                AttributeGroup::AdditionalExtended => AttributeGroupName::AdditionalExtended,
            },
            parts: d.children.iter().map(Into::into).collect(),
        }
    }
}

/// Dictionary and schema queries.
#[derive(Default)]
pub struct DictionaryQuery;

/// The tenant's NCT key, or the `CONFLICT` error that asks for one.
async fn key(ctx: &Context<'_>) -> Result<SecretString, ApiError> {
    let t = tenant(ctx, Permission::Read)?;
    state(ctx)?.keys.load(t).await?.map(|(k, _)| k).ok_or_else(|| {
        ApiError::Conflict("NCT's dictionaries are read with the tenant's NCT API key: set it first".into())
    })
}

#[Object]
impl DictionaryQuery {
    /// Entries of an NCT dictionary whose code or Russian or Kazakh name contains every word of `search`,
    /// whatever the case; codes starting with `search` first. At most 100.
    async fn dictionary_search(
        &self,
        ctx: &Context<'_>,
        dictionary: DictionaryName,
        #[graphql(default)] search: String,
        #[graphql(default = 20)] first: i32,
    ) -> Result<Vec<DictionaryEntry>, ApiError> {
        if !(0..=MAX_HITS).contains(&first) {
            return Err(ApiError::bad_input("first", format!("first must be between 0 and {MAX_HITS}")));
        }
        if search.chars().count() > 200 {
            return Err(ApiError::bad_input("search", "search must be at most 200 characters"));
        }
        let key = key(ctx).await?;
        let st = state(ctx)?;
        let dicts = CardSchemaCache::for_client(&st.nct).dictionaries(&key).await?;
        let limit = usize::try_from(first).unwrap_or(0);
        Ok(dicts.search(dictionary.code(), &search, limit).into_iter().map(Into::into).collect())
    }

    /// The attributes a card can carry: the base ones, plus the OKTRU category's extended (gov) ones when
    /// `isGov`. An unknown or non-leaf category has no extended attributes.
    async fn card_attributes(
        &self,
        ctx: &Context<'_>,
        oktru: Option<String>,
        #[graphql(default)] is_gov: bool,
    ) -> Result<Vec<AttributeDefinition>, ApiError> {
        let key = key(ctx).await?;
        let st = state(ctx)?;
        let schema = CardSchemaCache::for_client(&st.nct)
            .schema(&key, oktru.as_deref(), is_gov)
            .await?;
        Ok(schema.base.iter().chain(&schema.gov_main).chain(&schema.gov_additional).map(Into::into).collect())
    }
}
