"""/wechat: WeChat's door, the pipeline from an accepted message to its answer, the journal and the per-user locks."""
