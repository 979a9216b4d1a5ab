"""Installs mmdn; its requirements are read from requirements/."""
from pathlib import Path

from setuptools import find_packages, setup

HERE = Path(__file__).parent


def read_requirements(name: str) -> list:
    lines = (HERE / 'requirements' / name).read_text().splitlines()
    return [ln.strip() for ln in lines if ln.strip() and not ln.startswith('#')]


setup(
    name='mmdn',
    version='0.1.0',
    description='Denoising training (DN-DETR) for DETR-like detectors on MMDetection 3.x',
    long_description=(HERE / 'README.md').read_text(),
    long_description_content_type='text/markdown',
    packages=find_packages(include=['mmdn', 'mmdn.*']),
    python_requires='>=3.9',
    install_requires=read_requirements('runtime.txt'),
    extras_require=dict(
        tests=read_requirements('tests.txt'),
        optional=read_requirements('optional.txt'),
        deploy=read_requirements('deploy.txt'),
        build=read_requirements('build.txt')),
    license='Apache License 2.0',
    zip_safe=False)
