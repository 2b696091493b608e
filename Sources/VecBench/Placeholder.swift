// Placeholder so the target is not empty; removed once the target has real files.
