/**
 * The FOCUS 1.2 columns, written from the spec's column files at tag v1.2
 * (github.com/FinOps-Open-Cost-and-Usage-Spec/FOCUS_Spec, specification/columns/*.md): each column's
 * feature level, "Allows nulls", data type and allowed values. test/warehouse/focus-spec.test.ts checks
 * the view against it; `carried` marks the columns claude_focus_costs has (docs/reports.md says why
 * the others are not).
 */
export type FocusType = 'Decimal' | 'String' | 'Date/Time' | 'JSON';
export type FeatureLevel = 'Mandatory' | 'Conditional' | 'Recommended';

export interface FocusColumn {
  id: string;
  level: FeatureLevel;
  allowsNulls: boolean;
  type: FocusType;
  allowed?: string[];
  carried: boolean;
}

const c = (id: string, level: FeatureLevel, allowsNulls: boolean, type: FocusType, carried: boolean, allowed?: string[]): FocusColumn => ({ id, level, allowsNulls, type, carried, ...(allowed ? { allowed } : {}) });

export const SERVICE_CATEGORIES = [
  'AI and Machine Learning', 'Analytics', 'Business Applications', 'Compute', 'Databases', 'Developer Tools', 'Multicloud', 'Identity',
  'Integration', 'Internet of Things', 'Management and Governance', 'Media', 'Migration', 'Mobile', 'Networking', 'Security', 'Storage', 'Web', 'Other',
];
/** ServiceSubcategory values whose parent is AI and Machine Learning (the view's only ServiceCategory). */
export const AI_SUBCATEGORIES = ['AI Platforms', 'Bots', 'Generative AI', 'Machine Learning', 'Natural Language Processing', 'Other (AI and Machine Learning)'];

export const FOCUS_1_2_COLUMNS: FocusColumn[] = [
  c('AvailabilityZone', 'Recommended', true, 'String', false),
  c('BilledCost', 'Mandatory', false, 'Decimal', true),
  c('BillingAccountId', 'Mandatory', false, 'String', true),
  c('BillingAccountName', 'Mandatory', true, 'String', true),
  c('BillingAccountType', 'Conditional', false, 'String', false),
  c('BillingCurrency', 'Mandatory', false, 'String', true),
  c('BillingPeriodEnd', 'Mandatory', false, 'Date/Time', true),
  c('BillingPeriodStart', 'Mandatory', false, 'Date/Time', true),
  c('CapacityReservationId', 'Conditional', true, 'String', false),
  c('CapacityReservationStatus', 'Conditional', true, 'String', false, ['Used', 'Unused']),
  c('ChargeCategory', 'Mandatory', false, 'String', true, ['Usage', 'Purchase', 'Tax', 'Credit', 'Adjustment']),
  c('ChargeClass', 'Mandatory', true, 'String', true, ['Correction']),
  c('ChargeDescription', 'Mandatory', true, 'String', true),
  c('ChargeFrequency', 'Recommended', false, 'String', true, ['One-Time', 'Recurring', 'Usage-Based']),
  c('ChargePeriodEnd', 'Mandatory', false, 'Date/Time', true),
  c('ChargePeriodStart', 'Mandatory', false, 'Date/Time', true),
  c('CommitmentDiscountCategory', 'Conditional', true, 'String', false, ['Spend', 'Usage']),
  c('CommitmentDiscountId', 'Conditional', true, 'String', false),
  c('CommitmentDiscountName', 'Conditional', true, 'String', false),
  c('CommitmentDiscountQuantity', 'Conditional', true, 'Decimal', false),
  c('CommitmentDiscountStatus', 'Conditional', true, 'String', false, ['Used', 'Unused']),
  c('CommitmentDiscountType', 'Conditional', true, 'String', false),
  c('CommitmentDiscountUnit', 'Conditional', true, 'String', false),
  c('ConsumedQuantity', 'Conditional', true, 'Decimal', true),
  c('ConsumedUnit', 'Conditional', true, 'String', true),
  c('ContractedCost', 'Mandatory', false, 'Decimal', true),
  c('ContractedUnitPrice', 'Conditional', true, 'Decimal', true),
  c('EffectiveCost', 'Mandatory', false, 'Decimal', true),
  c('InvoiceId', 'Recommended', true, 'String', true),
  c('InvoiceIssuerName', 'Mandatory', false, 'String', true),
  c('ListCost', 'Mandatory', false, 'Decimal', true),
  c('ListUnitPrice', 'Conditional', true, 'Decimal', true),
  c('PricingCategory', 'Conditional', true, 'String', true, ['Standard', 'Dynamic', 'Committed', 'Other']),
  c('PricingCurrency', 'Conditional', true, 'String', false),
  c('PricingCurrencyContractedUnitPrice', 'Conditional', true, 'Decimal', false),
  c('PricingCurrencyEffectiveCost', 'Conditional', true, 'Decimal', false),
  c('PricingCurrencyListUnitPrice', 'Conditional', true, 'Decimal', false),
  c('PricingQuantity', 'Mandatory', true, 'Decimal', true),
  c('PricingUnit', 'Mandatory', true, 'String', true),
  c('ProviderName', 'Mandatory', false, 'String', true),
  c('PublisherName', 'Mandatory', false, 'String', true),
  c('RegionId', 'Conditional', true, 'String', true),
  c('RegionName', 'Conditional', true, 'String', false),
  c('ResourceId', 'Conditional', true, 'String', true),
  c('ResourceName', 'Conditional', true, 'String', true),
  c('ResourceType', 'Conditional', true, 'String', false),
  c('ServiceCategory', 'Mandatory', false, 'String', true, SERVICE_CATEGORIES),
  c('ServiceName', 'Mandatory', false, 'String', true),
  c('ServiceSubcategory', 'Recommended', false, 'String', true, AI_SUBCATEGORIES),
  c('SkuId', 'Conditional', true, 'String', true),
  c('SkuMeter', 'Conditional', true, 'String', false),
  c('SkuPriceDetails', 'Conditional', true, 'JSON', false),
  c('SkuPriceId', 'Conditional', true, 'String', true),
  c('SubAccountId', 'Conditional', true, 'String', true),
  c('SubAccountName', 'Conditional', true, 'String', true),
  c('SubAccountType', 'Conditional', true, 'String', true),
  c('Tags', 'Conditional', true, 'JSON', true),
];
