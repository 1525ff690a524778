import { MODEL_ACCURACY_FOR_SECONDS } from '../../../../alert-rules/thresholds.js';
import { faultScenario } from './types.js';

/**
 * The AI model drifts: its calls are right 20 % of the time, and it is as confident as ever (0.6 to
 * 0.9), which is what makes drift dangerous: ModelConfidenceCollapse stays silent, ModelAccuracyLow
 * warns once its accuracy over the last outcomes has been under the bound for its hold.
 */
export const modelDrift = faultScenario({
  name: 'model-drift',
  description: 'The AI model (alpha-gbm) drifts: right in 20 % of its decisions instead of 65 %, as confident as before; after the fault it is right again.',
  alert: 'ModelAccuracyLow',
  // The drills run at 2 simulated seconds a wall second while Prometheus holds `for` in wall time:
  // the fault outlasts twice the hold, plus about 30 s (some 120 outcomes at 20 %) for the accuracy
  // over the last 200 outcomes to fall under 50 %, plus a margin. At `MODEL_ACCURACY_FOR_SECONDS + 60`
  // a clean-clone drill ended the fault before the hold did, and the warning never came.
  faultFor: 2 * MODEL_ACCURACY_FOR_SECONDS + 60,
  conditionAfter: { ModelAccuracyLow: 30 },
  faults: () => ({ modelAccuracy: 0.2 }),
});
