// Registers the notification delivery (docs/policies.md#notifications): the deliverNotification orchestration and its
// sendNotification activity. services/notifications.ts starts it; nothing waits for it.
import * as df from 'durable-functions';
import { NOTIFY_ORCHESTRATOR, SEND_NOTIFICATION_ACTIVITY } from '../core/notifications';
import { sendNotification, SendNotificationInput } from '../orchestrations/activities/notify';
import { deliverNotificationOrchestrator } from '../orchestrations/notify.orchestrator';

df.app.orchestration(NOTIFY_ORCHESTRATOR, deliverNotificationOrchestrator);
df.app.activity(SEND_NOTIFICATION_ACTIVITY, {
  handler: (input: unknown) => sendNotification(input as SendNotificationInput),
});
