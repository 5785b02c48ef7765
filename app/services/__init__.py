"""The rules of the portal: one module per area of the business."""
