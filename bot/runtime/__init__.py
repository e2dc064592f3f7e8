"""What every background part of the service runs on: polling loops with back-off, lease
heartbeats and run ids, and throttled logging. Knows nothing of WeChat or the business."""
