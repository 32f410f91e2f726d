-- One row per tb_fat_cidadao_pec row, with the person it belongs to (co_pessoa). Rows are
-- linked when they share: the PEC's own grouping (tb_dim_cidadao_pec_grupo, person =
-- coalesce(co_cidadao_master, co_cidadao)); a CPF; a CNS, unless both rows have different
-- CPFs; name + birth date, unless both rows have different CPFs or different CNSs. A person is
-- a connected component of these links; co_pessoa is its smallest co_seq_fat_cidadao_pec.
with recursive

cidadaos as (

    select * from {{ ref('stg_pec__fat_cidadao_pec') }}
    where {{ escopo_municipio() }}

),

grupos as (

    select * from {{ ref('stg_pec__dim_cidadao_pec_grupo') }}
    where {{ escopo_municipio() }}

),

identificadores as (

    -- Each record's identifiers, with its CPF and CNS alongside so that a pair of records can
    -- be checked for conflicts without joining back to the records.
    select distinct
        grupos.co_municipio_ibge,
        grupos.co_fat_cidadao_pec as co_seq_fat_cidadao_pec,
        'grupo_pec' as tipo_ligacao,
        coalesce(grupos.co_cidadao_master, grupos.co_cidadao)::text as valor,
        null::text as nu_cpf,
        null::text as nu_cns
    from grupos
    where
        grupos.co_fat_cidadao_pec is not null
        and coalesce(grupos.co_cidadao_master, grupos.co_cidadao) is not null

    union all

    select
        co_municipio_ibge,
        co_seq_fat_cidadao_pec,
        'cpf' as tipo_ligacao,
        nu_cpf_cidadao as valor,
        nu_cpf_cidadao as nu_cpf,
        nu_cns
    from cidadaos
    where nu_cpf_cidadao ~ '^[0-9]{11}$' and nu_cpf_cidadao !~ '^(.)\1*$'

    union all

    select
        co_municipio_ibge,
        co_seq_fat_cidadao_pec,
        'cns' as tipo_ligacao,
        nu_cns as valor,
        nu_cpf_cidadao as nu_cpf,
        nu_cns
    from cidadaos
    where nu_cns ~ '^[0-9]{15}$' and nu_cns !~ '^(.)\1*$'

    union all

    select
        co_municipio_ibge,
        co_seq_fat_cidadao_pec,
        'nome_nascimento' as tipo_ligacao,
        upper(regexp_replace(trim(no_cidadao), '\s+', ' ', 'g')) || '|' || dt_nascimento
            as valor,
        nu_cpf_cidadao as nu_cpf,
        nu_cns
    from cidadaos
    where nullif(trim(no_cidadao), '') is not null and dt_nascimento is not null

),

ligacoes as (

    -- Pairs of records sharing an identifier, minus the pairs whose CPFs (or, for name +
    -- birth date, CNSs) contradict each other.
    select
        a.co_municipio_ibge,
        a.co_seq_fat_cidadao_pec as co_origem,
        b.co_seq_fat_cidadao_pec as co_destino,
        a.tipo_ligacao
    from identificadores as a
    inner join identificadores as b
        on
            a.co_municipio_ibge = b.co_municipio_ibge
            and a.tipo_ligacao = b.tipo_ligacao
            and a.valor = b.valor
            and a.co_seq_fat_cidadao_pec <> b.co_seq_fat_cidadao_pec
    where
        a.tipo_ligacao in ('grupo_pec', 'cpf')
        or (
            a.tipo_ligacao in ('cns', 'nome_nascimento')
            and (a.nu_cpf is null or b.nu_cpf is null or a.nu_cpf = b.nu_cpf)
            and (
                a.tipo_ligacao = 'cns'
                or a.nu_cns is null
                or b.nu_cns is null
                or a.nu_cns = b.nu_cns
            )
        )

),

alcancaveis (co_municipio_ibge, co_seq_fat_cidadao_pec, co_alcancado) as (

    select
        co_municipio_ibge,
        co_seq_fat_cidadao_pec,
        co_seq_fat_cidadao_pec as co_alcancado
    from cidadaos

    union

    select
        alcancaveis.co_municipio_ibge,
        alcancaveis.co_seq_fat_cidadao_pec,
        ligacoes.co_destino as co_alcancado
    from alcancaveis
    inner join ligacoes
        on
            alcancaveis.co_municipio_ibge = ligacoes.co_municipio_ibge
            and alcancaveis.co_alcancado = ligacoes.co_origem

),

pessoa_de_cada_registro as (

    select
        co_municipio_ibge,
        co_seq_fat_cidadao_pec,
        min(co_alcancado) as co_pessoa
    from alcancaveis
    group by co_municipio_ibge, co_seq_fat_cidadao_pec

),

tipos_de_ligacao_por_pessoa as (

    select
        pessoa_de_cada_registro.co_municipio_ibge,
        pessoa_de_cada_registro.co_pessoa,
        string_agg(distinct ligacoes.tipo_ligacao, ',' order by ligacoes.tipo_ligacao)
            as ds_tipos_ligacao
    from pessoa_de_cada_registro
    inner join ligacoes
        on
            pessoa_de_cada_registro.co_municipio_ibge = ligacoes.co_municipio_ibge
            and pessoa_de_cada_registro.co_seq_fat_cidadao_pec = ligacoes.co_origem
    group by pessoa_de_cada_registro.co_municipio_ibge, pessoa_de_cada_registro.co_pessoa

),

unificados as (

    select
        pessoa_de_cada_registro.co_municipio_ibge,
        pessoa_de_cada_registro.co_seq_fat_cidadao_pec,
        pessoa_de_cada_registro.co_pessoa,
        count(*) over (
            partition by
                pessoa_de_cada_registro.co_municipio_ibge, pessoa_de_cada_registro.co_pessoa
        ) as nu_registros_pessoa,
        coalesce(tipos_de_ligacao_por_pessoa.ds_tipos_ligacao, '') as ds_tipos_ligacao
    from pessoa_de_cada_registro
    left join tipos_de_ligacao_por_pessoa
        on
            pessoa_de_cada_registro.co_municipio_ibge
            = tipos_de_ligacao_por_pessoa.co_municipio_ibge
            and pessoa_de_cada_registro.co_pessoa = tipos_de_ligacao_por_pessoa.co_pessoa

)

select * from unificados
