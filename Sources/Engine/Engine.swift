// Engine module. See the folder's files.
