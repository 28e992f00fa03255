// NN module. See the folder's files.
