//! Outgoing deliveries: one activity to one inbox, retried until it is delivered or given up.

vocabulary!(
    /// Where a delivery stands: `Failed` ones were given up (or refused by our own guard).
    DeliveryState, "state", {
        Pending => "pending",
        Delivered => "delivered",
        Failed => "failed",
    }
);
