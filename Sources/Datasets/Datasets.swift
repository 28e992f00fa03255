// Datasets module. See the folder's files.
