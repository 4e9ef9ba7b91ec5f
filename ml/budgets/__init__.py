"""Daily budgets across campaigns: the response model, the spend cap, the solver, the allocator, its
baselines, the market simulator and offline evaluation. Plain values in and out; no Django.

    from ml.budgets import BudgetAllocator, CampaignState, DayStats
"""

from ml.budgets.allocator import AllocatorConfig, BudgetAllocator
from ml.budgets.types import BudgetPlan, CampaignState, DayStats

__all__ = ["AllocatorConfig", "BudgetAllocator", "BudgetPlan", "CampaignState", "DayStats"]
