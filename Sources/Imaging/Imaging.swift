// Imaging module. See the folder's files.
