//! MNIST: IDX loading and the paper's preprocessing (crop, bicubic downscale, normalization).
