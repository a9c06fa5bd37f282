// Tag suggestions: features of a resource, a naive Bayes model over counts learned from the tagged
// resources of a scan, Platt calibration on held-out predictions, and the policy's constraints.
export {
  applyCalibration, expectedCalibrationError, fitCalibration, fitIsotonic, fitPlatt, type Calibrated, type Calibration, type PlattScaling,
} from './calibrate.js';
export { keywordSuggestion, BASELINE_CONFIDENCE } from './baseline.js';
export { describeFeature, subjectFeatures, type SuggestSubject } from './features.js';
export { SuggestionTrainer, trainModel, MAX_CALIBRATION_SAMPLES, MIN_SAMPLES_PER_TAG, type SuggestionModel, type TagModel } from './model.js';
export { DEFAULT_MIN_CONFIDENCE, predictTag, suggestTags, type Prediction, type TagSuggestion } from './suggest.js';
export { tokensOf } from './tokens.js';
