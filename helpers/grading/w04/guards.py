"""The kernels of ``helpers.conv`` that week 4's exercises must not call (each check guards them)."""

from __future__ import annotations

from ... import conv

# Every kernel a student might call instead of writing the exercise.
CONV_KERNELS = (conv.pad2d, conv.conv2d, conv.conv2d_backward, conv.im2col, conv.col2im)


POOL_KERNELS = (conv.max_pool2d, conv.max_pool2d_backward, conv.avg_pool2d, conv.avg_pool2d_backward)
