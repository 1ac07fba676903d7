//! Fully connected sigmoid networks (NN2, NN1) and their float and fixed-point trainers.
