"""What a learner sees: narration, matplotlib figures and the widgets."""
