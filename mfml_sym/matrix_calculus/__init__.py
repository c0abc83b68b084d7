"""matrix_calculus"""
