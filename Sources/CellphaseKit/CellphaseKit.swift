// CellphaseKit module. See the folder's files.
