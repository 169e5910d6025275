package ui

// experimentRoutes adds the experiments pages.
func (h *Handler) experimentRoutes() {}
