"""部门筛查预警: department lists compared with the register into graded warnings, and the
village's answer sent back to the department."""
