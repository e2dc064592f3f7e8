"""WeChat Pay v3: the signed client behind the domain's `PayGateway` port, the JSAPI bridge
signature, and the notification endpoints `/pay/notify` and `/pay/refund-notify`."""
